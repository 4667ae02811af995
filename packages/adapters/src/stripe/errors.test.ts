import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ProviderError } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { StripeHarness } from './testing/harness.js';
import { HARNESS_SECRET_KEY, createStripeHarness } from './testing/harness.js';
import type { StripeFailure } from './testing/server.js';

let harness: StripeHarness;
beforeEach(async () => {
  harness = await createStripeHarness();
});
afterEach(async () => {
  await harness.close();
});

const issue = (key = 'issue-errors', invoice = sampleProviderInvoice()) =>
  harness.provider.issue({ idempotencyKey: idempotencyKey(key), input: invoice })();

const failure = async (
  answer: StripeFailure,
  matches?: (path: string) => boolean,
): Promise<ProviderError> => {
  harness.server.failNext(answer, matches === undefined ? undefined : (request) => matches(request.path));
  const result = await issue();
  if (E.isRight(result)) throw new Error('expected a failure');
  return result.left;
};

describe('Stripe error mapping', () => {
  it('a 400 invalid_request_error is permanent, with its code, message and param', async () => {
    const error = await failure({
      status: 400,
      error: {
        type: 'invalid_request_error',
        code: 'parameter_invalid_integer',
        message: 'Invalid integer: abc',
        param: 'lines[0][amount]',
      },
    });
    expect(error).toMatchObject({
      _tag: 'ProviderRejected',
      provider: 'stripe',
      operation: 'issue',
      status: 400,
      code: 'parameter_invalid_integer',
    });
    expect(error.message).toBe('Stripe answered 400: Invalid integer: abc (param: lines[0][amount])');
  });

  it('a 4xx without a code carries its type as the code', async () => {
    const error = await failure({
      status: 403,
      error: {
        type: 'invalid_request_error',
        message: 'The provided key does not have access to customers.',
      },
    });
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 403, code: 'invalid_request_error' });
  });

  it('a 402 card_error is permanent', async () => {
    const error = await failure({
      status: 402,
      error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
    });
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 402, code: 'card_declined' });
  });

  it('a 429 is retryable with Retry-After in seconds', async () => {
    const error = await failure({
      status: 429,
      error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' },
      headers: { 'retry-after': '12' },
    });
    expect(error).toMatchObject({ _tag: 'ProviderUnavailable', status: 429, retryAfterMs: 12_000 });
  });

  it('a 503 with an HTTP-date Retry-After is retryable, the delay counted from the injected clock', async () => {
    const at = new Date(harness.clock.now().getTime() + 90_000).toUTCString();
    const error = await failure({
      status: 503,
      error: { type: 'api_error', message: 'Service unavailable' },
      headers: { 'retry-after': at },
    });
    expect(error).toMatchObject({ _tag: 'ProviderUnavailable', status: 503, retryAfterMs: 90_000 });
  });

  it('a 500 api_error is retryable, without a delay when Stripe gives none', async () => {
    const error = await failure({
      status: 500,
      error: { type: 'api_error', message: 'Something went wrong' },
    });
    expect(error._tag).toBe('ProviderUnavailable');
    expect(error).not.toHaveProperty('retryAfterMs');
    expect(error.status).toBe(500);
  });

  it('409 lock_timeout and idempotency_key_in_use are retryable', async () => {
    for (const code of ['lock_timeout', 'idempotency_key_in_use']) {
      const error = await failure({
        status: 409,
        error: { type: 'invalid_request_error', code, message: 'Conflict' },
      });
      expect(error, code).toMatchObject({ _tag: 'ProviderUnavailable', status: 409 });
    }
  });

  it('a 409 of another kind is permanent', async () => {
    const error = await failure({
      status: 409,
      error: { type: 'invalid_request_error', code: 'resource_already_exists', message: 'Conflict' },
    });
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 409, code: 'resource_already_exists' });
  });

  it('an idempotency_error is permanent, whatever the status it comes with', async () => {
    for (const status of [400, 409]) {
      const error = await failure({
        status,
        error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used…' },
      });
      expect(error, String(status)).toMatchObject({ _tag: 'ProviderRejected', code: 'idempotency_error' });
    }
  });

  it('reusing an issue key for a different invoice: Stripe refuses the key, and nothing is created', async () => {
    const first = await issue('shared-key', sampleProviderInvoice());
    expect(E.isRight(first)).toBe(true);
    const other = sampleProviderInvoice({
      number: 'INV-2026-000077',
      invoiceId: '00000000-0000-4000-8000-000000000077',
    });
    const second = await issue('shared-key', other);
    expect(E.isLeft(second) && second.left).toMatchObject({
      _tag: 'ProviderRejected',
      status: 400,
      code: 'idempotency_error',
    });
    expect(harness.observed().filter((o) => o.reference === other.number)).toHaveLength(0);
  });

  it('no answer in time is retryable and says so', async () => {
    harness.server.injectFault({ kind: 'timeout', afterHandling: false });
    const result = await issue();
    expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'ProviderUnavailable' });
    if (E.isLeft(result)) {
      expect(result.left.message).toMatch(/timeout/);
      expect(result.left).not.toHaveProperty('status');
    }
  });

  it('a dropped connection is reported once, not retried behind our back', async () => {
    harness.server.injectFault({ kind: 'dropConnection', afterHandling: false });
    const before = harness.server.requests.length;
    const result = await issue();
    expect(E.isLeft(result) && result.left._tag).toBe('ProviderUnavailable');
    expect(harness.server.requests.length - before).toBe(1);
  });

  it('a refused key is a permanent 401, and the key appears nowhere in the error', async () => {
    const result = await harness.withBadCredentials().issue({
      idempotencyKey: idempotencyKey('bad-key'),
      input: sampleProviderInvoice(),
    })();
    expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'ProviderRejected', status: 401 });
    const text = JSON.stringify(E.isLeft(result) ? result.left : null);
    expect(text).not.toContain('sk_test_notAKeyTheServerKnows99');
    expect(text).not.toContain(HARNESS_SECRET_KEY);
    expect(text).toContain('Invalid API Key provided');
  });

  it('a key echoed in a Stripe message is masked before it reaches the error', async () => {
    const error = await failure({
      status: 400,
      error: {
        type: 'invalid_request_error',
        message: `Key ${HARNESS_SECRET_KEY} and whsec_abcdef0123 leaked`,
      },
    });
    expect(error.message).not.toContain(HARNESS_SECRET_KEY);
    expect(error.message).not.toContain('whsec_abcdef0123');
    expect(error.message).toContain('sk_test_***');
  });

  it('an answer that does not decode is retryable and names the path, not the values', async () => {
    // The customer list answers with a customer whose email is a number.
    harness.server.failNext(
      {
        status: 200,
        body: {
          object: 'list',
          data: [{ id: 'cus_1', object: 'customer', email: 42, metadata: {} }],
          has_more: false,
        },
      },
      (request) => request.path === '/v1/customers' && request.method === 'GET',
    );
    const result = await issue();
    expect(E.isLeft(result) && result.left._tag).toBe('ProviderUnavailable');
    if (E.isLeft(result)) {
      expect(result.left.message).toMatch(/unexpected answer from Stripe: .*data\.0\.email/);
      expect(result.left.message).not.toContain('42');
    }
  });
});
