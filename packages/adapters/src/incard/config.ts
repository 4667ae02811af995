import { CurrencyCode } from '@accrue/domain';
import * as t from 'io-ts';

/**
 * The connection settings of one Incard company (an entry of `ACCRUE_PROVIDERS`). Incard takes no currency,
 * tax or customer data on create: the invoice is paid into a deposit account (whose currency is the invoice's),
 * rendered with a template, and addressed to a recipient, all three set up in the Incard dashboard and named
 * here by UUID.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IncardUuidBrand {
  readonly IncardUuid: unique symbol;
}
export const IncardUuid = t.brand(
  t.string,
  (text): text is t.Branded<string, IncardUuidBrand> => UUID.test(text),
  'IncardUuid',
);
export type IncardUuid = t.TypeOf<typeof IncardUuid>;

export interface IncardApiKeyBrand {
  readonly IncardApiKey: unique symbol;
}
export type IncardApiKey = t.Branded<string, IncardApiKeyBrand>;

const API_KEY = /^sk_(sandbox|live)_[A-Za-z0-9_-]+$/;

/**
 * `sk_sandbox_…` or `sk_live_…`. A refused value is reported as `<redacted>`: config errors get logged, and a
 * mistyped key is still a secret.
 */
export const IncardApiKey = new t.Type<IncardApiKey, string, unknown>(
  'IncardApiKey',
  (u): u is IncardApiKey => typeof u === 'string' && API_KEY.test(u),
  (u, context) =>
    typeof u === 'string' && API_KEY.test(u)
      ? t.success(u as IncardApiKey)
      : t.failure('<redacted>', context, 'expected an Incard api key, sk_sandbox_… or sk_live_…'),
  (key) => key,
);

const HttpUrl = t.refinement(t.string, (text) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(text), 'HttpUrl');

export const IncardConnectionConfig = t.intersection(
  [
    t.strict({
      /** Dashboard api key, exchanged for 15-minute access tokens; never sent to Developer API endpoints. */
      apiKey: IncardApiKey,
      /** Invoice template (dashboard). */
      templateId: IncardUuid,
      /**
       * The account payments go into; its currency is the invoice currency (Incard's create payload has no
       * currency), so invoices in any other currency are refused (`unsupported_currency`).
       */
      depositAccount: t.strict({ id: IncardUuid, currency: CurrencyCode }),
    }),
    t.exact(
      t.partial({
        /** Our customer id → Incard recipient UUID. */
        recipients: t.record(t.string, IncardUuid),
        /** The recipient for customers not in `recipients`; without it such invoices are refused. */
        defaultRecipientId: IncardUuid,
        /** Default `https://api-nonprod.incard.com` for a sandbox key, `https://api.incard.com` for live. */
        baseUrl: HttpUrl,
        /** Hosted payment page prefix, for invoices found by look-up (`https://send.incard.com/invoices/`). */
        paymentLinkBase: HttpUrl,
        /** The webhook endpoint's signing secret (dashboard → Settings → Webhooks). */
        webhookSecret: t.string,
      }),
    ),
  ],
  'IncardConnectionConfig',
);
export type IncardConnectionConfig = t.TypeOf<typeof IncardConnectionConfig>;

/** What the composition root adds to the decoded connection settings. */
export interface IncardRuntimeOptions {
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Clock for token expiry and `Retry-After` dates. */
  readonly now?: () => Date;
  /** Refresh the access token when less than this remains; default 60 s. */
  readonly refreshBeforeMs?: number;
  /** Page size of the look-up before create (`take`, Incard's maximum is unknown); default 100. */
  readonly pageSize?: number;
}

export type IncardProviderConfig = IncardConnectionConfig & IncardRuntimeOptions;

export const INCARD_LIVE_URL = 'https://api.incard.com';
export const INCARD_SANDBOX_URL = 'https://api-nonprod.incard.com';
export const INCARD_PAYMENT_LINK_BASE = 'https://send.incard.com/invoices/';

export const isSandboxKey = (key: IncardApiKey): boolean => key.startsWith('sk_sandbox_');
