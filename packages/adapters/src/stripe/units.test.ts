import type { CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { decodeStripeConnectionConfig } from './config.js';
import { fromStripeUnits, toStripeUnits } from './currency.js';
import { fromStripeError, scrubSecrets } from './errors.js';

const currency = (code: string) => code as CurrencyCode;

describe('Stripe units', () => {
  it.each([
    ['EUR', 12345n, 12345n],
    ['JPY', 1250n, 1250n],
    ['KWD', 12340n, 12340n],
    // ISK has no decimals in ISO 4217; Stripe still takes it with two.
    ['ISK', 500n, 50000n],
    // MGA has two in ISO 4217; Stripe treats it as zero-decimal.
    ['MGA', 150000n, 1500n],
    ['EUR', -1000n, -1000n],
  ])('%s %d minor units → %d Stripe units, and back', (code, ours, theirs) => {
    expect(toStripeUnits(ours, currency(code), 'x')).toEqual(E.right(theirs));
    expect(fromStripeUnits(theirs, currency(code))).toEqual(E.right(ours));
  });

  it.each([
    ['KWD', 12345n, /end in 0/],
    ['BHD', 1n, /end in 0/],
    ['MGA', 150050n, /whole units/],
  ])('%s %d cannot be carried: currency_precision', (code, ours, message) => {
    const result = toStripeUnits(ours, currency(code), 'line 1');
    expect(E.isLeft(result) && result.left.code).toBe('currency_precision');
    if (E.isLeft(result)) expect(result.left.message).toMatch(message);
  });

  it('four-decimal currencies are not Stripe currencies', () => {
    const result = toStripeUnits(10000n, currency('CLF'), 'x');
    expect(E.isLeft(result) && result.left.code).toBe('unsupported_currency');
  });

  it('an ISK amount from Stripe that is not whole krónur is refused, not truncated', () => {
    expect(E.isLeft(fromStripeUnits(50050n, currency('ISK')))).toBe(true);
  });
});

describe('StripeConnectionConfig', () => {
  it('decodes a connection with defaults left out', () => {
    expect(decodeStripeConnectionConfig({ secretKey: 'sk_live_abc123' })).toEqual(
      E.right({ secretKey: 'sk_live_abc123' }),
    );
    const full = {
      secretKey: 'rk_test_abc',
      baseUrl: 'http://127.0.0.1:12111',
      timeoutMs: 2500,
      webhookSecret: 'whsec_xyz',
      webhookToleranceSeconds: 120,
    };
    expect(decodeStripeConnectionConfig({ ...full, extra: 'dropped' })).toEqual(E.right(full));
  });

  it('refuses bad values without repeating them (the key is a secret)', () => {
    const result = decodeStripeConnectionConfig({
      secretKey: 'pk_live_publishableNotSecret',
      baseUrl: 'https://api.stripe.com/v1',
      timeoutMs: 0,
    });
    expect(E.isLeft(result)).toBe(true);
    if (E.isLeft(result)) {
      expect(result.left).toMatch(/secretKey/);
      expect(result.left).toMatch(/baseUrl/);
      expect(result.left).toMatch(/timeoutMs/);
      expect(result.left).not.toContain('publishableNotSecret');
    }
  });
});

describe('errors', () => {
  it('masks keys and webhook secrets in any text', () => {
    expect(scrubSecrets('a sk_live_51HxYz b rk_test_Q1w2 c whsec_abc d')).toBe(
      'a sk_live_*** b rk_test_*** c whsec_*** d',
    );
  });

  it('anything thrown that is not a Stripe error is a bug, and is not turned into a provider error', () => {
    expect(() => fromStripeError('issue', new Date())(new TypeError('x is undefined'))).toThrow(TypeError);
  });
});
