import { currencyExponent, CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import { JsonNumber } from '../../providers/exactJson.js';
import type { InvoiceProvider } from '../../providers/port.js';
import type { ObservedInvoice, ProviderHarness } from '../../providers/testing/contract.js';
import type { InvoroApiKey, InvoroProviderConfig, InvoroUuid } from '../config.js';
import { createInvoroProvider } from '../provider.js';
import type { InvoroServerOptions, InvoroStoredInvoice, InvoroTestServer } from './server.js';
import { startInvoroServer } from './server.js';

export const INVORO_TEST_KEY = `ak_test_${'k'.repeat(56)}` as InvoroApiKey;
export const INVORO_UNKNOWN_KEY = `ak_test_${'x'.repeat(56)}` as InvoroApiKey;
export const INVORO_BUSINESS_ENTITY = '5b0f2f7e-9c1a-4d59-8a0e-3f6c2d1b7a10' as InvoroUuid;

export interface InvoroHarnessOptions {
  /** Server options other than the keys. */
  readonly server?: Partial<Omit<InvoroServerOptions, 'keys'>>;
  /** The scopes of the adapter's key; default all. */
  readonly scopes?: ReadonlyArray<string>;
  readonly pageSize?: number;
  readonly now?: () => Date;
}

export interface InvoroHarness extends ProviderHarness {
  readonly invoro: InvoroTestServer;
  readonly config: InvoroProviderConfig;
}

/**
 * Invoro "cents" back to minor units, written apart from the adapter's mapping: hundredths of the major unit,
 * so ÷100 for JPY and ×10 for KWD.
 */
const centsToMinorUnits = (cents: bigint, currency: string): bigint | undefined => {
  const code = CurrencyCode.decode(currency);
  if (E.isLeft(code)) return undefined;
  const exponent = currencyExponent(code.right);
  if (exponent >= 2) return cents * 10n ** BigInt(exponent - 2);
  const divisor = 10n ** BigInt(2 - exponent);
  return cents % divisor === 0n ? cents / divisor : undefined;
};

const statusOf = (invoice: InvoroStoredInvoice): ObservedInvoice['status'] => {
  if (invoice.deletedAt !== null || invoice.state === 'cancelled') return 'void';
  if (invoice.paymentStatus === 'paid') return 'paid';
  // An Invoro draft carrying our number and totals is the invoice as issued (the port's `issue`); Invoro
  // assigns and computes nothing later. Handing it to the delivery queue is our `send`.
  if (invoice.state === 'draft' || invoice.state === 'approved') return 'issued';
  return 'sent';
};

const observe = (invoice: InvoroStoredInvoice): ObservedInvoice => {
  const header = invoice.ublJson['header'] as Record<string, unknown> | undefined;
  const totals = invoice.ublJson['totals'] as Record<string, unknown> | undefined;
  const payable = centsToMinorUnits(invoice.amount, invoice.currency);
  const tax = totals?.['tax_amount'];
  const taxAmount =
    tax instanceof JsonNumber ? centsToMinorUnits(BigInt(tax.text), invoice.currency) : undefined;
  return {
    externalId: invoice.id,
    reference: typeof header?.['invoice_number'] === 'string' ? header['invoice_number'] : '',
    currency: invoice.currency,
    // A payable amount finer than the currency cannot be collected; -1 makes any comparison fail loudly.
    payableAmount: payable ?? -1n,
    ...(taxAmount === undefined ? {} : { taxAmount }),
    status: statusOf(invoice),
  };
};

/** A fresh loopback Invoro and an adapter pointed at it (short timeout), for the contract suite and our tests. */
export const invoroHarness = async (options: InvoroHarnessOptions = {}): Promise<InvoroHarness> => {
  const invoro = await startInvoroServer({
    keys: [{ key: INVORO_TEST_KEY, ...(options.scopes === undefined ? {} : { scopes: options.scopes }) }],
    businessEntityIds: [INVORO_BUSINESS_ENTITY],
    ...options.server,
  });
  const config: InvoroProviderConfig = {
    apiKey: INVORO_TEST_KEY,
    businessEntityId: INVORO_BUSINESS_ENTITY,
    baseUrl: invoro.baseUrl,
    timeoutMs: 300,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  const provider: InvoiceProvider = createInvoroProvider(config);
  return {
    provider,
    server: invoro.server,
    invoro,
    config,
    observed: () => invoro.invoices().map(observe),
    withBadCredentials: () => createInvoroProvider({ ...config, apiKey: INVORO_UNKNOWN_KEY }),
    exactCurrencies: ['EUR', 'JPY'],
    close: () => invoro.close(),
  };
};
