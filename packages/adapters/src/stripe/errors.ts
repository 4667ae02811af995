import Stripe from 'stripe';

import { clip, parseRetryAfter } from '../providers/http.js';
import type { ProviderError } from '../providers/port.js';
import { providerRejected, providerUnavailable } from '../providers/port.js';

type Operation = ProviderError['operation'];

/**
 * Stripe masks keys in its own messages (`sk_test_****1234`); this is the second line of defence, for any
 * text that goes into an error or a log line.
 */
export const scrubSecrets = (text: string): string =>
  text
    .replace(/\b(sk|rk|pk)_(test|live)_[0-9A-Za-z*]+/g, '$1_$2_***')
    .replace(/\bwhsec_[0-9A-Za-z]+/g, 'whsec_***');

/** Codes Stripe answers with for a request that may succeed when retried as it is. */
const RETRYABLE_CODES = new Set(['lock_timeout', 'idempotency_key_in_use', 'rate_limit']);

/**
 * An error thrown by the SDK → the port's tagged errors (`{"error":{type,code,message,param}}`):
 * - no answer (`StripeConnectionError`: refused, reset, dropped, timed out) → `ProviderUnavailable`;
 * - 429, 5xx, and the retryable 409s (`lock_timeout`, `idempotency_key_in_use`) → `ProviderUnavailable` with
 *   `Retry-After`;
 * - `idempotency_error` (the key was used with other parameters) → `ProviderRejected`: repeating the same
 *   request gives the same refusal, whatever the status Stripe sends it with;
 * - every other 4xx → `ProviderRejected` with Stripe's `code`, or its `type` where it has no code.
 *
 * `cause` keeps only the safe fields of the SDK error (the error object carries response headers and the raw
 * body, which have no place in events).
 */
export const fromStripeError =
  (operation: Operation, now: Date) =>
  (error: unknown): ProviderError => {
    if (!(error instanceof Stripe.errors.StripeError)) {
      // Anything else is a bug in this adapter (a thrown TypeError, say), not a provider answer.
      throw error;
    }
    const status = error.statusCode;
    const code = error.code ?? error.rawType;
    const cause = {
      type: error.type,
      ...(error.rawType === undefined ? {} : { rawType: error.rawType }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.param === undefined ? {} : { param: error.param }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    };
    const text = scrubSecrets(clip(error.message === '' ? error.type : error.message));
    const detail = error.param === undefined ? text : `${text} (param: ${error.param})`;
    if (error instanceof Stripe.errors.StripeConnectionError || status === undefined) {
      return providerUnavailable({ provider: 'stripe', operation, message: `Stripe: ${detail}`, cause });
    }
    const message = `Stripe answered ${status}: ${detail}`;
    if (error.rawType === 'idempotency_error') {
      return providerRejected({
        provider: 'stripe',
        operation,
        status,
        code: 'idempotency_error',
        message,
        cause,
      });
    }
    if (status === 429 || status >= 500 || (code !== undefined && RETRYABLE_CODES.has(code))) {
      const retryAfterMs = parseRetryAfter(error.headers?.['retry-after'] ?? null, now);
      return providerUnavailable({
        provider: 'stripe',
        operation,
        status,
        message,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        cause,
      });
    }
    return providerRejected({
      provider: 'stripe',
      operation,
      status,
      ...(code === undefined ? {} : { code }),
      message,
      cause,
    });
  };
