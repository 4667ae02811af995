import type { CurrencyCode } from '@accrue/domain';
import { CurrencyCode as CurrencyCodeCodec, currencyExponent } from '@accrue/domain';

import type { InvoiceProvider } from '../../providers/port.js';
import type { ObservedInvoice, ProviderHarness } from '../../providers/testing/contract.js';
import type { StripeProviderConfig } from '../provider.js';
import { createStripeProvider } from '../provider.js';
import type { StripeInvoiceRecord, StripeTestServer } from './server.js';
import { startStripeTestServer } from './server.js';

/** The secret key the loopback server accepts (account `acct_accrue_test`). */
export const HARNESS_SECRET_KEY = 'sk_test_accrueLoopbackKey0001';
export const HARNESS_ACCOUNT = 'acct_accrue_test';
/** A second account on the same server: idempotency keys are per account. */
export const HARNESS_OTHER_SECRET_KEY = 'sk_test_accrueOtherAccount0002';
/** The morning the sample invoices are approved (`fixtures.ts`), so their due dates lie ahead. */
export const HARNESS_START = new Date('2026-11-02T09:00:00.000Z');

export interface MutableClock {
  readonly now: () => Date;
  readonly set: (date: Date) => void;
  readonly advance: (ms: number) => void;
}

export const mutableClock = (start: Date = HARNESS_START): MutableClock => {
  let current = start;
  return {
    now: () => current,
    set: (date) => {
      current = date;
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
};

export interface StripeHarness extends ProviderHarness {
  readonly server: StripeTestServer;
  /** Shared by the server and the adapter (due-date checks, idempotency-key expiry, webhook timestamps). */
  readonly clock: MutableClock;
  /** Another adapter on the same server, e.g. with a different timeout or key. */
  readonly providerWith: (overrides?: Partial<StripeProviderConfig>) => InvoiceProvider;
}

// The harness reads Stripe's units back on its own (not through the adapter's `currency.ts`), so a wrong
// conversion in the adapter cannot be cancelled out by the same mistake here.
const STRIPE_ZERO_DECIMAL = new Set([
  'JPY',
  'KRW',
  'CLP',
  'VND',
  'MGA',
  'UGX',
  'XAF',
  'XOF',
  'XPF',
  'BIF',
  'DJF',
  'GNF',
  'KMF',
  'PYG',
  'RWF',
  'VUV',
]);
const stripeDecimals = (currency: CurrencyCode): number =>
  STRIPE_ZERO_DECIMAL.has(currency) ? 0 : currency === 'ISK' ? 2 : currencyExponent(currency);

const toMinorUnits = (units: bigint, currency: CurrencyCode): bigint => {
  const shift = currencyExponent(currency) - stripeDecimals(currency);
  if (shift >= 0) return units * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  if (units % divisor !== 0n) throw new Error(`Stripe holds ${units} ${currency}, not a whole minor unit`);
  return units / divisor;
};

const observe = (server: StripeTestServer, invoice: StripeInvoiceRecord): ObservedInvoice => {
  const currency = invoice.currency.toUpperCase();
  if (!CurrencyCodeCodec.is(currency)) throw new Error(`unknown currency ${invoice.currency}`);
  const totals = server.totals(invoice);
  const sent = server.emails().some((email) => email.invoiceId === invoice.id);
  const status: ObservedInvoice['status'] =
    invoice.status === 'draft'
      ? 'draft'
      : invoice.status === 'open'
        ? sent
          ? 'sent'
          : 'issued'
        : invoice.status;
  return {
    externalId: invoice.id,
    reference: invoice.number ?? '',
    currency,
    payableAmount: toMinorUnits(totals.amountDue, currency),
    taxAmount: toMinorUnits(totals.tax, currency),
    status,
    ...(invoice.hostedUrl === null ? {} : { paymentLink: invoice.hostedUrl }),
  };
};

/** A fresh loopback Stripe and an adapter pointed at it (`protocol: 'http'`), for the contract suite. */
export const createStripeHarness = async (
  options: { readonly timeoutMs?: number } = {},
): Promise<StripeHarness> => {
  const clock = mutableClock();
  const server = await startStripeTestServer({
    keys: { [HARNESS_SECRET_KEY]: HARNESS_ACCOUNT, [HARNESS_OTHER_SECRET_KEY]: 'acct_accrue_other' },
    now: clock.now,
  });
  const providerWith = (overrides: Partial<StripeProviderConfig> = {}) =>
    createStripeProvider({
      secretKey: HARNESS_SECRET_KEY as StripeProviderConfig['secretKey'],
      baseUrl: server.url as StripeProviderConfig['baseUrl'] & string,
      timeoutMs: (options.timeoutMs ?? 300) as NonNullable<StripeProviderConfig['timeoutMs']>,
      now: clock.now,
      ...overrides,
    });
  return {
    provider: providerWith(),
    server,
    clock,
    providerWith,
    observed: () =>
      server
        .invoices()
        .filter((invoice) => !invoice.deleted)
        .map((invoice) => observe(server, invoice)),
    withBadCredentials: () =>
      providerWith({ secretKey: 'sk_test_notAKeyTheServerKnows99' as StripeProviderConfig['secretKey'] }),
    // KWD is carried only when every amount ends in 0 (Stripe's rule), which the contract's sample does not.
    exactCurrencies: ['EUR', 'JPY'],
    close: () => server.close(),
  };
};
