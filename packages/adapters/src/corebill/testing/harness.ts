import { currencyExponent, CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { InvoiceProvider } from '../../providers/port.js';
import type { ObservedInvoice, ProviderHarness } from '../../providers/testing/contract.js';
import type {
  CorebillApiKey,
  CorebillCompanyId,
  CorebillCustomerId,
  CorebillProviderConfig,
  CorebillTaxMapping,
} from '../config.js';
import { createCorebillProvider } from '../provider.js';
import type { CorebillServerOptions, CorebillStoredInvoice, CorebillTestServer } from './server.js';
import { startCorebillServer } from './server.js';

export const COREBILL_TEST_KEY = 'sk_live_corebilltest0123456789' as CorebillApiKey;
export const COREBILL_UNKNOWN_KEY = 'sk_live_unknown0123456789' as CorebillApiKey;
export const COREBILL_COMPANY = 'com_acmeaccrue01' as CorebillCompanyId;
/** The fixtures' customer (`cust-42`) as a Corebill customer. */
export const COREBILL_CUSTOMER = 'cus_a1b2c3d4e5f6' as CorebillCustomerId;

export interface CorebillHarnessOptions {
  readonly server?: Partial<Omit<CorebillServerOptions, 'keys' | 'customers'>>;
  readonly permission?: 'read' | 'write' | 'admin';
  readonly taxMapping?: CorebillTaxMapping;
  readonly pageSize?: number;
  readonly now?: () => Date;
}

export interface CorebillHarness extends ProviderHarness {
  readonly corebill: CorebillTestServer;
  readonly config: CorebillProviderConfig;
}

/** Units of 10^-scale back to minor units of the currency, apart from the adapter's code. */
const toMinorUnits = (units: bigint, scale: number, currency: string): bigint | undefined => {
  const code = CurrencyCode.decode(currency);
  if (E.isLeft(code)) return undefined;
  const exponent = currencyExponent(code.right);
  if (scale <= exponent) return units * 10n ** BigInt(exponent - scale);
  const divisor = 10n ** BigInt(scale - exponent);
  return units % divisor === 0n ? units / divisor : undefined;
};

const statusOf = (invoice: CorebillStoredInvoice): ObservedInvoice['status'] => {
  switch (invoice.status) {
    // Corebill's draft, with its totals computed, is the invoice as issued (the port's `issue`).
    case 'draft':
      return 'issued';
    case 'paid':
      return 'paid';
    case 'cancelled':
    case 'refunded':
      return 'void';
    default:
      return 'sent';
  }
};

const observe = (invoice: CorebillStoredInvoice): ObservedInvoice => {
  const reference = /^Invoice reference: (.+)$/m.exec(invoice.notes ?? '')?.[1] ?? '';
  const tax = toMinorUnits(invoice.taxAmount, invoice.scale, invoice.currency);
  return {
    externalId: invoice.id,
    reference,
    currency: invoice.currency,
    // What Corebill computed; -1 when it is finer than the currency, so any comparison fails loudly.
    payableAmount: toMinorUnits(invoice.total, invoice.scale, invoice.currency) ?? -1n,
    // With tax_rate 0 (VAT itemised as lines) Corebill keeps no tax total of its own.
    ...(/^0(\.0*)?$/.test(invoice.taxRate) ? {} : { taxAmount: tax ?? -1n }),
    status: statusOf(invoice),
  };
};

export const corebillHarness = async (options: CorebillHarnessOptions = {}): Promise<CorebillHarness> => {
  const corebill = await startCorebillServer({
    keys: [
      {
        key: COREBILL_TEST_KEY,
        companyId: COREBILL_COMPANY,
        ...(options.permission === undefined ? {} : { permission: options.permission }),
      },
    ],
    customers: [COREBILL_CUSTOMER],
    ...options.server,
  });
  const config: CorebillProviderConfig = {
    apiKey: COREBILL_TEST_KEY,
    companyId: COREBILL_COMPANY,
    customers: { 'cust-42': COREBILL_CUSTOMER },
    baseUrl: corebill.baseUrl,
    timeoutMs: 300,
    ...(options.taxMapping === undefined ? {} : { taxMapping: options.taxMapping }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  const provider: InvoiceProvider = createCorebillProvider(config);
  return {
    provider,
    server: corebill.server,
    corebill,
    config,
    observed: () => corebill.invoices().map(observe),
    withBadCredentials: () => createCorebillProvider({ ...config, apiKey: COREBILL_UNKNOWN_KEY }),
    exactCurrencies: ['EUR', 'JPY'],
    close: () => corebill.close(),
  };
};
