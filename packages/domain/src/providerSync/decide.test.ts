import { describe, expect, it } from 'vitest';

import { deciderSpec, decode } from '../testing/index.js';
import type { RetryPolicy } from './backoff.js';
import type { ProviderSyncCommand } from './commands.js';
import { ProviderSyncCommand as ProviderSyncCommandCodec } from './commands.js';
import { createProviderSyncDecider } from './decider.js';
import type { ProviderSyncEvent } from './events.js';
import { ProviderSyncEvent as ProviderSyncEventCodec } from './events.js';
import type { ProviderSync } from './state.js';
import { foldEvents } from '../shared/decider.js';
import { nextSyncDueAt, nextSyncStep } from './state.js';
import { Timestamp } from '../shared/timestamp.js';

const at = (text: string): Timestamp => decode(Timestamp, text);

const policy: RetryPolicy = {
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: 0.5,
  maxAttempts: 3,
  maxRetryAfterMs: 3_600_000,
};
const decider = createProviderSyncDecider(policy);
const spec = deciderSpec(decider);

const T0 = '2026-11-21T10:00:00.000Z';
const address = { tenantId: 'acme', invoiceId: 'inv-1', provider: 'stripe' };
const APPROVED = 'e0000000-0000-4000-8000-000000000001';
const SENT = 'e0000000-0000-4000-8000-000000000002';
const PAID = 'e0000000-0000-4000-8000-000000000003';

const command = (type: ProviderSyncCommand['type'], data: Record<string, unknown>): ProviderSyncCommand =>
  decode(ProviderSyncCommandCodec, { type, data: { ...address, now: T0, ...data } });

const event = (type: ProviderSyncEvent['type'], data: Record<string, unknown>): ProviderSyncEvent =>
  decode(ProviderSyncEventCodec, { type, data: { invoiceId: 'inv-1', provider: 'stripe', ...data } });

const request = (operation: string, sourceEventId: string, attempt = 1, now = T0) =>
  command('RequestProviderSync', { operation, sourceEventId, attempt, now });

const requested = (operation: string, sourceEventId: string, attempt = 1, requestedAt = T0) =>
  event('ProviderSyncRequested', { tenantId: 'acme', operation, sourceEventId, attempt, requestedAt });

const succeeded = (
  operation: string,
  sourceEventId: string,
  attempt = 1,
  extra: Record<string, unknown> = {},
) =>
  event('ProviderSyncSucceeded', {
    operation,
    sourceEventId,
    attempt,
    externalId: 'in_123',
    succeededAt: T0,
    ...extra,
  });

const failed = (
  operation: string,
  sourceEventId: string,
  attempt: number,
  nextAttemptAt: string | null,
  retryable = true,
) =>
  event('ProviderSyncFailed', {
    operation,
    sourceEventId,
    attempt,
    retryable,
    error: 'POST /v1/invoices answered 500: boom',
    nextAttemptAt,
    failedAt: T0,
  });

const succeed = (
  operation: string,
  sourceEventId: string,
  attempt = 1,
  extra: Record<string, unknown> = {},
) =>
  command('RecordProviderSyncSucceeded', {
    operation,
    sourceEventId,
    attempt,
    externalId: 'in_123',
    ...extra,
  });

const failWith = (
  operation: string,
  sourceEventId: string,
  attempt: number,
  fields: { retryable?: boolean; jitter?: number; retryAfterMs?: number; now?: string; error?: string } = {},
) =>
  command('RecordProviderSyncFailed', {
    operation,
    sourceEventId,
    attempt,
    retryable: fields.retryable ?? true,
    error: fields.error ?? 'POST /v1/invoices answered 500: boom',
    jitter: fields.jitter ?? 0,
    ...(fields.retryAfterMs === undefined ? {} : { retryAfterMs: fields.retryAfterMs }),
    ...(fields.now === undefined ? {} : { now: fields.now }),
  });

const state = (events: ReadonlyArray<ProviderSyncEvent>): ProviderSync => foldEvents(decider, events);

describe('provider sync: asking for operations', () => {
  it('given nothing, when the issue is asked for: requested, attempt 1', () => {
    spec
      .given([])
      .when(request('issue', APPROVED))
      .then([requested('issue', APPROVED)]);
  });

  it('given the issue asked for, when it is asked for again (a redelivered event): nothing', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(request('issue', APPROVED))
      .thenNothing();
  });

  it('given the issue asked for, when another event asks for an issue: nothing (once per invoice)', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(request('issue', SENT))
      .thenNothing();
  });

  it('given nothing, when a payment is asked for: refused, the invoice is not issued there', () => {
    spec.given([]).when(request('recordPayment', PAID)).thenError('ProviderSyncNotIssued');
  });

  it('given the issue asked for (not done yet), when a send is asked for: requested (it waits its turn)', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(request('send', SENT))
      .then([requested('send', SENT)]);
  });

  it('given a payment asked for, when another payment is asked for: requested (one per payment)', () => {
    spec
      .given([requested('issue', APPROVED), requested('recordPayment', PAID)])
      .when(request('recordPayment', 'e0000000-0000-4000-8000-000000000004'))
      .then([requested('recordPayment', 'e0000000-0000-4000-8000-000000000004')]);
  });

  it('given a stream of another invoice, when asked for: refused', () => {
    const other = decode(ProviderSyncCommandCodec, {
      type: 'RequestProviderSync',
      data: {
        ...address,
        invoiceId: 'inv-2',
        operation: 'issue',
        sourceEventId: APPROVED,
        attempt: 1,
        now: T0,
      },
    });
    spec
      .given([requested('issue', APPROVED)])
      .when(other)
      .thenError('ProviderSyncStreamMismatch');
  });
});

describe('provider sync: outcomes', () => {
  it('given the issue asked for, when it succeeded: succeeded with the external id and payment link', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(succeed('issue', APPROVED, 1, { paymentLink: 'https://pay.example/in_123' }))
      .then([succeeded('issue', APPROVED, 1, { paymentLink: 'https://pay.example/in_123' })]);
  });

  it('given the issue succeeded, when the same success is recorded again: nothing', () => {
    spec
      .given([requested('issue', APPROVED), succeeded('issue', APPROVED)])
      .when(succeed('issue', APPROVED))
      .thenNothing();
  });

  it('given attempt 1 failed, when attempt 1 is then reported a success: nothing (the first outcome wins)', () => {
    spec
      .given([requested('issue', APPROVED), failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z')])
      .when(succeed('issue', APPROVED, 1))
      .thenNothing();
  });

  it('given attempt 1 asked for, when attempt 2 is reported: refused, attempt 2 was never asked for', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(succeed('issue', APPROVED, 2))
      .thenError('ProviderSyncAttemptMismatch');
  });

  it('given nothing asked for, when an outcome is reported: refused', () => {
    spec.given([]).when(succeed('issue', APPROVED)).thenError('ProviderSyncOperationUnknown');
  });

  it('given the issue pending and a send asked for, when the send succeeds: refused, out of order', () => {
    spec
      .given([requested('issue', APPROVED), requested('send', SENT)])
      .when(succeed('send', SENT))
      .thenError('ProviderSyncOutOfOrder');
  });

  it('given the invoice issued as in_123, when a send succeeds for another id: refused', () => {
    spec
      .given([requested('issue', APPROVED), succeeded('issue', APPROVED), requested('send', SENT)])
      .when(succeed('send', SENT, 1, { externalId: 'in_999' }))
      .thenError('ProviderSyncExternalIdChanged');
  });

  it('given attempt 1 pending, when it fails retryably: failed, next attempt after the backoff', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(failWith('issue', APPROVED, 1, { jitter: 0 }))
      .then([failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z')]);
  });

  it('given attempt 2 pending, when it fails with jitter 0.5: the second delay (2 s) less a quarter', () => {
    spec
      .given([
        requested('issue', APPROVED),
        failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z'),
        requested('issue', APPROVED, 2),
      ])
      .when(failWith('issue', APPROVED, 2, { jitter: 0.5 }))
      .then([failed('issue', APPROVED, 2, '2026-11-21T10:00:01.500Z')]);
  });

  it('given attempt 1 pending, when the provider asks to wait 30 s (Retry-After): the next attempt is not sooner', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(failWith('issue', APPROVED, 1, { retryAfterMs: 30_000 }))
      .then([failed('issue', APPROVED, 1, '2026-11-21T10:00:30.000Z')]);
  });

  it('given attempt 1 pending, when the provider refuses: failed for good', () => {
    spec
      .given([requested('issue', APPROVED)])
      .when(failWith('issue', APPROVED, 1, { retryable: false }))
      .then([failed('issue', APPROVED, 1, null, false)]);
  });

  it('given the last attempt pending, when it fails retryably: failed for good (max attempts)', () => {
    spec
      .given([
        requested('issue', APPROVED),
        failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z'),
        requested('issue', APPROVED, 2),
        failed('issue', APPROVED, 2, '2026-11-21T10:00:02.000Z'),
        requested('issue', APPROVED, 3),
      ])
      .when(failWith('issue', APPROVED, 3))
      .then([failed('issue', APPROVED, 3, null)]);
  });

  it('given attempt 1 pending, when it fails with an empty message: a message is still stored', () => {
    const [stored] = spec
      .given([requested('issue', APPROVED)])
      .when(failWith('issue', APPROVED, 1, { error: '  ' }))
      .thenEvents();
    expect(stored?.type === 'ProviderSyncFailed' && stored.data.error).toBe(
      'the provider call failed (no message)',
    );
  });
});

describe('provider sync: retries', () => {
  const afterFailure = [
    requested('issue', APPROVED),
    failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z'),
  ];

  it('given attempt 1 failed, when attempt 2 is asked for at its time: requested', () => {
    spec
      .given(afterFailure)
      .when(request('issue', APPROVED, 2, '2026-11-21T10:00:01.000Z'))
      .then([requested('issue', APPROVED, 2, '2026-11-21T10:00:01.000Z')]);
  });

  it('given attempt 1 failed, when attempt 2 is asked for too early: refused, not due', () => {
    spec
      .given(afterFailure)
      .when(request('issue', APPROVED, 2, '2026-11-21T10:00:00.999Z'))
      .thenError('ProviderSyncRetryNotDue');
  });

  it('given attempt 1 failed, when attempt 3 is asked for: refused, it skips one', () => {
    spec
      .given(afterFailure)
      .when(request('issue', APPROVED, 3, '2026-11-21T11:00:00Z'))
      .thenError('ProviderSyncAttemptMismatch');
  });

  it('given attempt 2 asked for, when attempt 2 is asked for again: nothing', () => {
    spec
      .given([...afterFailure, requested('issue', APPROVED, 2)])
      .when(request('issue', APPROVED, 2, '2026-11-21T11:00:00Z'))
      .thenNothing();
  });

  it('given the issue failed for good, when a retry is asked for: refused, nothing to retry', () => {
    spec
      .given([requested('issue', APPROVED), failed('issue', APPROVED, 1, null, false)])
      .when(request('issue', APPROVED, 2, '2026-11-21T11:00:00Z'))
      .thenError('ProviderSyncNotRetrying');
  });

  it('due times compare as instants whatever the offset they are written in', () => {
    spec
      .given(afterFailure)
      .when(request('issue', APPROVED, 2, '2026-11-21T11:00:01+01:00'))
      .thenEvents();
  });
});

describe('provider sync: the next step, in order', () => {
  it('nothing asked for: idle', () => {
    expect(nextSyncStep(state([]), at(T0))._tag).toBe('Idle');
  });

  it('the issue pending: attempt it; a send asked for meanwhile waits behind it', () => {
    const step = nextSyncStep(state([requested('issue', APPROVED), requested('send', SENT)]), at(T0));
    expect(step._tag === 'Attempt' && step.operation.operation).toBe('issue');
  });

  it('the issue retrying: wait until its next attempt, then retry it', () => {
    const s = state([
      requested('issue', APPROVED),
      failed('issue', APPROVED, 1, '2026-11-21T10:00:01.000Z'),
      requested('send', SENT),
    ]);
    expect(nextSyncStep(s, at(T0))).toMatchObject({ _tag: 'Wait', until: '2026-11-21T10:00:01.000Z' });
    expect(nextSyncDueAt(s, at(T0))).toBe('2026-11-21T10:00:01.000Z');
    expect(nextSyncStep(s, at('2026-11-21T10:00:01.000Z'))._tag).toBe('Retry');
  });

  it('the issue done: the send is next, then the payment', () => {
    const s = state([
      requested('issue', APPROVED),
      succeeded('issue', APPROVED),
      requested('send', SENT),
      requested('recordPayment', PAID),
    ]);
    const step = nextSyncStep(s, at(T0));
    expect(step._tag === 'Attempt' && step.operation.operation).toBe('send');
    expect(s._tag === 'ProviderSyncState' && s.externalId).toBe('in_123');
  });

  it('the issue failed for good: everything after it is blocked', () => {
    const s = state([
      requested('issue', APPROVED),
      failed('issue', APPROVED, 1, null, false),
      requested('send', SENT),
    ]);
    const step = nextSyncStep(s, at(T0));
    expect(step._tag).toBe('Blocked');
    expect(step._tag === 'Blocked' && step.operation.operation).toBe('send');
  });

  it('everything settled: idle, nothing due', () => {
    const s = state([
      requested('issue', APPROVED),
      succeeded('issue', APPROVED),
      requested('send', SENT),
      failed('send', SENT, 1, null, false),
    ]);
    expect(nextSyncStep(s, at(T0))._tag).toBe('Idle');
    expect(nextSyncDueAt(s, at(T0))).toBeUndefined();
  });
});
