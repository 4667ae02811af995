import * as t from 'io-ts';

/**
 * The connection settings of one Invoro company (an entry of `ACCRUE_PROVIDERS`). An Invoro API key belongs to
 * one company; the seller identity on the invoice is one of that company's business entities (a UUID from the
 * Invoro app). Field names are ours (camelCase); the adapter writes Invoro's snake_case UBL JSON.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InvoroUuidBrand {
  readonly InvoroUuid: unique symbol;
}
export const InvoroUuid = t.brand(
  t.string,
  (text): text is t.Branded<string, InvoroUuidBrand> => UUID.test(text),
  'InvoroUuid',
);
export type InvoroUuid = t.TypeOf<typeof InvoroUuid>;

export interface InvoroApiKeyBrand {
  readonly InvoroApiKey: unique symbol;
}
export type InvoroApiKey = t.Branded<string, InvoroApiKeyBrand>;

const API_KEY = /^ak_(live|test)_[A-Za-z0-9]+$/;

/**
 * `ak_live_…` or `ak_test_…` (test keys see only test data and never deliver to Peppol). A refused value is
 * reported as `<redacted>`: config errors get logged, and a mistyped key is still a secret.
 */
export const InvoroApiKey = new t.Type<InvoroApiKey, string, unknown>(
  'InvoroApiKey',
  (u): u is InvoroApiKey => typeof u === 'string' && API_KEY.test(u),
  (u, context) =>
    typeof u === 'string' && API_KEY.test(u)
      ? t.success(u as InvoroApiKey)
      : t.failure('<redacted>', context, 'expected an Invoro API key, ak_live_… or ak_test_…'),
  (key) => key,
);

const HttpUrl = t.refinement(t.string, (text) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(text), 'HttpUrl');
const CountryCode = t.refinement(t.string, (text) => /^[A-Z]{2}$/.test(text), 'CountryCode');

/** A Peppol identifier: an EAS scheme (`0208`, `9925`, …) and the value. */
export const InvoroIdentifier = t.strict({ scheme: t.string, value: t.string }, 'InvoroIdentifier');

/** The seller party (BG-4) when the business entity alone is not enough; passed to Invoro as `seller`. */
export const InvoroSeller = t.intersection(
  [
    t.strict({ name: t.string }),
    t.partial({
      legalName: t.string,
      tradingName: t.string,
      vatNumber: t.string,
      endpointId: InvoroIdentifier,
      companyId: InvoroIdentifier,
      address: t.intersection([
        t.strict({ country: CountryCode }),
        t.partial({
          street: t.string,
          additionalLine: t.string,
          city: t.string,
          subdivision: t.string,
          postalCode: t.string,
        }),
      ]),
      contact: t.partial({ name: t.string, phone: t.string, email: t.string }),
    }),
  ],
  'InvoroSeller',
);
export type InvoroSeller = t.TypeOf<typeof InvoroSeller>;

/** Payment instructions (BG-16) printed on every invoice of the connection. */
export const InvoroPaymentMeans = t.intersection(
  [
    t.strict({
      /** UNCL 4461, e.g. `58` (SEPA credit transfer) or `30` (credit transfer). */
      meansCode: t.string,
      iban: t.string,
    }),
    t.partial({ bic: t.string, accountName: t.string, terms: t.string }),
  ],
  'InvoroPaymentMeans',
);
export type InvoroPaymentMeans = t.TypeOf<typeof InvoroPaymentMeans>;

export const InvoroConnectionConfig = t.intersection(
  [
    t.strict({
      apiKey: InvoroApiKey,
      /** The seller identity (`business_entity_id`) the invoices are issued under. */
      businessEntityId: InvoroUuid,
    }),
    t.partial({
      seller: InvoroSeller,
      paymentMeans: InvoroPaymentMeans,
      /** Default `https://api.invoro.eu/invoice-api`. */
      baseUrl: HttpUrl,
      /** The webhook secret (Invoro app → Developers → Webhooks), shown once. */
      webhookSecret: t.string,
    }),
  ],
  'InvoroConnectionConfig',
);
export type InvoroConnectionConfig = t.TypeOf<typeof InvoroConnectionConfig>;

/** What the composition root adds to the decoded connection settings. */
export interface InvoroRuntimeOptions {
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Clock for `Retry-After` dates and rate-limit resets. */
  readonly now?: () => Date;
  /** Page size of the look-up before create (`per_page`); default 100. */
  readonly pageSize?: number;
}

export type InvoroProviderConfig = InvoroConnectionConfig & InvoroRuntimeOptions;

export const INVORO_LIVE_URL = 'https://api.invoro.eu/invoice-api';

/** Test keys (`ak_test_…`) see only test invoices, which Invoro marks `is_test` and never delivers. */
export const isTestKey = (key: InvoroApiKey): boolean => key.startsWith('ak_test_');
