import * as t from 'io-ts';

/**
 * The connection settings of one Corebill company (an entry of `ACCRUE_PROVIDERS`). A Corebill key belongs to one
 * company, and every call names it (`?company_id=com_…`). Corebill invoices point at Corebill customers
 * (`cus_…`); the mapping from our customer ids is part of the connection (ADR 16: we do not create customers).
 */

export interface CorebillApiKeyBrand {
  readonly CorebillApiKey: unique symbol;
}
export type CorebillApiKey = t.Branded<string, CorebillApiKeyBrand>;

const API_KEY = /^sk_(live|test)_[A-Za-z0-9]+$/;

/** `sk_live_…` (or `sk_test_…`). A refused value is reported as `<redacted>`: a mistyped key is still a secret. */
export const CorebillApiKey = new t.Type<CorebillApiKey, string, unknown>(
  'CorebillApiKey',
  (u): u is CorebillApiKey => typeof u === 'string' && API_KEY.test(u),
  (u, context) =>
    typeof u === 'string' && API_KEY.test(u)
      ? t.success(u as CorebillApiKey)
      : t.failure('<redacted>', context, 'expected a Corebill API key, sk_live_…'),
  (key) => key,
);

export interface CorebillCompanyIdBrand {
  readonly CorebillCompanyId: unique symbol;
}
export const CorebillCompanyId = t.brand(
  t.string,
  (text): text is t.Branded<string, CorebillCompanyIdBrand> => /^com_[A-Za-z0-9]+$/.test(text),
  'CorebillCompanyId',
);
export type CorebillCompanyId = t.TypeOf<typeof CorebillCompanyId>;

export interface CorebillCustomerIdBrand {
  readonly CorebillCustomerId: unique symbol;
}
export const CorebillCustomerId = t.brand(
  t.string,
  (text): text is t.Branded<string, CorebillCustomerIdBrand> => /^cus_[A-Za-z0-9]+$/.test(text),
  'CorebillCustomerId',
);
export type CorebillCustomerId = t.TypeOf<typeof CorebillCustomerId>;

/**
 * How invoices that Corebill's one-rate calculation cannot reproduce are sent (ADR 16):
 * - `itemise` (default): VAT as explicit lines with `tax_rate: 0`, so Corebill's total is ours to the cent;
 * - `refuse`: `ProviderRejected` `not_representable`; only single-rate invoices Corebill computes exactly go out.
 */
export const CorebillTaxMapping = t.keyof({ itemise: null, refuse: null }, 'CorebillTaxMapping');
export type CorebillTaxMapping = t.TypeOf<typeof CorebillTaxMapping>;

const HttpUrl = t.refinement(t.string, (text) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(text), 'HttpUrl');

export const CorebillConnectionConfig = t.intersection(
  [
    t.strict({
      apiKey: CorebillApiKey,
      companyId: CorebillCompanyId,
      /** Our customer id → Corebill customer id. Invoices for customers not listed are refused. */
      customers: t.record(t.string, CorebillCustomerId),
    }),
    t.partial({
      /** Default `https://api.corebill.io/v1`. */
      baseUrl: HttpUrl,
      /** The webhook endpoint secret (Developers → Webhooks). */
      webhookSecret: t.string,
      taxMapping: CorebillTaxMapping,
      /** `payment_method` of payments we record; default `other`. */
      paymentMethod: t.string,
    }),
  ],
  'CorebillConnectionConfig',
);
export type CorebillConnectionConfig = t.TypeOf<typeof CorebillConnectionConfig>;

/** What the composition root adds to the decoded connection settings. */
export interface CorebillRuntimeOptions {
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Clock for `Retry-After` dates. */
  readonly now?: () => Date;
  /** Page size of the look-up before create (`limit`, 1–100); default 100. */
  readonly pageSize?: number;
}

export type CorebillProviderConfig = CorebillConnectionConfig & CorebillRuntimeOptions;

export const COREBILL_LIVE_URL = 'https://api.corebill.io/v1';
