import { CurrencyCode } from '@accrue/domain';
import * as t from 'io-ts';

/**
 * The connection settings of one Dollr merchant (an entry of `ACCRUE_PROVIDERS`). Dollr invoices a
 * counterparty by its integer id (counterparties are managed at Dollr), so our customers are mapped to them
 * here.
 */

export interface DollrClientSecretBrand {
  readonly DollrClientSecret: unique symbol;
}
export type DollrClientSecret = t.Branded<string, DollrClientSecretBrand>;

/** Any non-empty string; a refused value is reported as `<redacted>` (config errors get logged). */
export const DollrClientSecret = new t.Type<DollrClientSecret, string, unknown>(
  'DollrClientSecret',
  (u): u is DollrClientSecret => typeof u === 'string' && u !== '',
  (u, context) =>
    typeof u === 'string' && u !== ''
      ? t.success(u as DollrClientSecret)
      : t.failure('<redacted>', context, 'expected the Dollr client secret'),
  (secret) => secret,
);

const CounterpartyId = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, 'CounterpartyId');

const HttpUrl = t.refinement(t.string, (text) => /^https?:\/\/[^\s/]+(\/\S*)?$/.test(text), 'HttpUrl');

export const DollrConnectionConfig = t.intersection(
  [
    t.strict({
      /** OAuth2 client credentials, exchanged at `/v1/jwt/client/obtain/token`. */
      clientId: t.string,
      clientSecret: DollrClientSecret,
    }),
    t.exact(
      t.partial({
        /** Our customer id → Dollr `counterparty_id`. */
        counterparties: t.record(t.string, CounterpartyId),
        /** The counterparty for customers not in `counterparties`; without it such invoices are refused. */
        defaultCounterpartyId: CounterpartyId,
        /**
         * The currencies this merchant invoices in (default USD, LRD, RWF: Dollr's own markets). Others are
         * refused (`unsupported_currency`); currencies with more than 2 decimals are refused even when listed
         * (`currency_precision`: Dollr amounts have at most 2).
         */
        currencies: t.array(CurrencyCode),
        /** Who pays Dollr's fees: `PAYEE` (default: the customer pays exactly our payable amount) or `PAYER`. */
        feeBearer: t.keyof({ PAYER: null, PAYEE: null }),
        /** Default `https://api.heydollr.app`. */
        baseUrl: HttpUrl,
      }),
    ),
  ],
  'DollrConnectionConfig',
);
export type DollrConnectionConfig = t.TypeOf<typeof DollrConnectionConfig>;

/** What the composition root adds to the decoded connection settings. */
export interface DollrRuntimeOptions {
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /** Refresh the JWT when less than this remains; Dollr asks for 5 minutes (the default). */
  readonly refreshBeforeMs?: number;
}

export type DollrProviderConfig = DollrConnectionConfig & DollrRuntimeOptions;

export const DOLLR_LIVE_URL = 'https://api.heydollr.app';
export const DOLLR_DEFAULT_CURRENCIES = ['USD', 'LRD', 'RWF'] as const;
