import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { describeDecodeErrors } from './codecs.js';

export const STRIPE_API_URL = 'https://api.stripe.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The SDK's default, and Stripe's documented recommendation. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

interface StripeSecretKeyBrand {
  readonly StripeSecretKey: unique symbol;
}
/** A secret or restricted key, test or live (`sk_test_…`, `sk_live_…`, `rk_…`). */
export const StripeSecretKey = t.brand(
  t.string,
  (key): key is t.Branded<string, StripeSecretKeyBrand> => /^(sk|rk)_(test|live)_[0-9A-Za-z_]+$/.test(key),
  'StripeSecretKey',
);

interface StripeBaseUrlBrand {
  readonly StripeBaseUrl: unique symbol;
}
/** Scheme, host and port only: the SDK builds `/v1/…` paths itself, so a path prefix could not be honoured. */
export const StripeBaseUrl = t.brand(
  t.string,
  (value): value is t.Branded<string, StripeBaseUrlBrand> => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      (url.pathname === '/' || url.pathname === '') &&
      url.search === '' &&
      url.username === ''
    );
  },
  'StripeBaseUrl',
);

interface WebhookSecretBrand {
  readonly StripeWebhookSecret: unique symbol;
}
export const StripeWebhookSecret = t.brand(
  t.string,
  (value): value is t.Branded<string, WebhookSecretBrand> => /^whsec_\S+$/.test(value),
  'StripeWebhookSecret',
);

const PositiveInt = t.brand(
  t.Int,
  (value): value is t.Branded<t.Int, { readonly PositiveInt: unique symbol }> => value > 0,
  'PositiveInt',
);

/**
 * One Stripe connection as the sync process manager's `ACCRUE_PROVIDERS` configuration gives it. Invariants:
 * the key is a Stripe secret or restricted key (test or live), `baseUrl` has no path (default
 * `https://api.stripe.com`), `timeoutMs` defaults to 10 s, the webhook tolerance to 300 s. Decode it with
 * {@link decodeStripeConnectionConfig}, whose messages never contain the values (the key is a secret).
 */
export const StripeConnectionConfig = t.intersection(
  [
    t.strict({ secretKey: StripeSecretKey }),
    t.exact(
      t.partial({
        baseUrl: StripeBaseUrl,
        timeoutMs: PositiveInt,
        webhookSecret: StripeWebhookSecret,
        webhookToleranceSeconds: PositiveInt,
      }),
    ),
  ],
  'StripeConnectionConfig',
);
export type StripeConnectionConfig = t.TypeOf<typeof StripeConnectionConfig>;

/** Decodes a connection config; on failure, the paths and expected types, never the values. */
export const decodeStripeConnectionConfig = (input: unknown): E.Either<string, StripeConnectionConfig> =>
  E.mapLeft((errors: t.Errors) => `invalid Stripe connection: ${describeDecodeErrors(errors)}`)(
    StripeConnectionConfig.decode(input),
  );
