import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { decode } from '../testing/index.js';
import { Timestamp } from '../shared/timestamp.js';
import type { RetryPolicy } from './backoff.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, isValidRetryPolicy, retryDelay } from './backoff.js';
import { addMillis, epochMillis, fromEpochMillis } from './instant.js';

const policy: RetryPolicy = {
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 10_000,
  jitter: 0.5,
  maxAttempts: 6,
  maxRetryAfterMs: 60_000,
};

describe('backoff', () => {
  it('doubles from the base delay and stops at the cap (no jitter drawn)', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, 0))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('jitter takes away at most its fraction of the delay', () => {
    for (const random of [0, 0.25, 0.5, 0.999_999]) {
      const delay = backoffDelay(policy, 3, random);
      expect(delay).toBeLessThanOrEqual(4000);
      expect(delay).toBeGreaterThanOrEqual(2000);
    }
    expect(backoffDelay(policy, 3, 0.5)).toBe(3000);
  });

  it('a provider Retry-After longer than the backoff wins, bounded by maxRetryAfterMs', () => {
    expect(retryDelay(policy, 1, 0, 7000)).toBe(7000);
    expect(retryDelay(policy, 4, 0, 7000)).toBe(8000);
    expect(retryDelay(policy, 1, 0, 10 * 3_600_000)).toBe(60_000);
    expect(retryDelay(policy, 1, 0, undefined)).toBe(1000);
  });

  it('a huge attempt number stays at the cap', () => {
    expect(backoffDelay(policy, 5000, 0)).toBe(10_000);
  });

  it('the default policy is valid, and nonsense is not', () => {
    expect(isValidRetryPolicy(DEFAULT_RETRY_POLICY)).toBe(true);
    expect(isValidRetryPolicy({ ...policy, jitter: 1.5 })).toBe(false);
    expect(isValidRetryPolicy({ ...policy, factor: 0.5 })).toBe(false);
    expect(isValidRetryPolicy({ ...policy, maxAttempts: 0 })).toBe(false);
  });
});

describe('instants without Date', () => {
  it('reads timestamps with offsets as the instants they are', () => {
    const at = (text: string) => epochMillis(decode(Timestamp, text));
    expect(at('1970-01-01T00:00:00Z')).toBe(0);
    expect(at('2026-11-21T10:00:00.250Z')).toBe(Date.parse('2026-11-21T10:00:00.250Z'));
    expect(at('2026-11-21T11:00:00+01:00')).toBe(Date.parse('2026-11-21T10:00:00Z'));
    expect(at('2024-02-29T23:59:59.999999-05:30')).toBe(Date.parse('2024-02-29T23:59:59.999-05:30'));
    expect(at('1969-12-31T23:59:59Z')).toBe(-1000);
  });

  it('writes instants in UTC and adds delays across days, months and leap years', () => {
    const plus = (text: string, ms: number) => addMillis(decode(Timestamp, text), ms);
    expect(plus('2026-11-21T10:00:00Z', 1500)).toEqual(E.right('2026-11-21T10:00:01.500Z'));
    expect(plus('2024-02-28T23:00:00+02:00', 86_400_000)).toEqual(E.right('2024-02-29T21:00:00.000Z'));
    expect(plus('2026-12-31T23:59:59.999Z', 1)).toEqual(E.right('2027-01-01T00:00:00.000Z'));
    expect(fromEpochMillis(Date.parse('2026-03-01T00:00:00Z'))).toEqual(E.right('2026-03-01T00:00:00.000Z'));
    expect(E.isLeft(plus('9999-12-31T23:59:59Z', 1000))).toBe(true);
  });
});
