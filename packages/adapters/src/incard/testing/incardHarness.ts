import { CurrencyCode, parseDecimal, toMinorUnits } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { ObservedInvoice, ProviderHarness } from '../../providers/testing/contract.js';
import type { IncardProviderConfig } from '../config.js';
import { IncardApiKey, IncardConnectionConfig } from '../config.js';
import { createIncardProvider } from '../incardProvider.js';
import type { IncardStoredInvoice, IncardTestServer } from './incardServer.js';
import { paymentLink, startIncardTestServer } from './incardServer.js';
import type { TestClock } from './testClock.js';
import { testClock } from './testClock.js';

export const INCARD_TEST_IDS = {
  templateId: '11111111-1111-4111-8111-000000000105',
  depositAccountId: '11111111-1111-4111-8111-000000000103',
  recipientId: '11111111-1111-4111-8111-000000000104',
  apiKey: 'sk_sandbox_4f9a2c7e1b',
  webhookSecret: 'whsec_incard_test_5d1e',
} as const;

export interface IncardHarnessOptions {
  /** The deposit account's currency (default EUR). */
  readonly currency?: string;
  readonly apiKey?: string;
  readonly canRequestPayments?: boolean;
  readonly timeoutMs?: number;
  readonly pageSize?: number;
  readonly clock?: TestClock;
}

export interface IncardHarness extends ProviderHarness {
  readonly incard: IncardTestServer;
  readonly clock: TestClock;
  readonly config: IncardProviderConfig;
}

const bug = (message: string): never => {
  throw new Error(message);
};

/** Our view of a stored invoice, read from the server's own decimal text (not from the adapter's mapping). */
export const observeIncardInvoice = (invoice: IncardStoredInvoice): ObservedInvoice => {
  const currency = CurrencyCode.is(invoice.currency) ? invoice.currency : bug(`currency ${invoice.currency}`);
  const amount = parseDecimal(invoice.amount);
  const minor = E.isRight(amount) ? toMinorUnits(amount.right, currency) : E.left(undefined);
  return {
    externalId: invoice.public_id,
    reference: invoice.invoice_number,
    currency,
    payableAmount: E.isRight(minor) ? minor.right : bug(`amount ${invoice.amount} ${currency}`),
    status: invoice.status === 'paid' ? 'paid' : 'issued',
    paymentLink: paymentLink(invoice),
  };
};

/** A loopback Incard server and an adapter pointed at it, for the contract suite and the Incard tests. */
export const incardHarness = async (options: IncardHarnessOptions = {}): Promise<IncardHarness> => {
  const clock = options.clock ?? testClock();
  const currency = options.currency ?? 'EUR';
  const apiKey = options.apiKey ?? INCARD_TEST_IDS.apiKey;
  const incard = await startIncardTestServer({
    apiKey,
    now: clock.now,
    templateId: INCARD_TEST_IDS.templateId,
    depositAccount: { id: INCARD_TEST_IDS.depositAccountId, currency },
    recipientIds: [INCARD_TEST_IDS.recipientId],
    webhookSecret: INCARD_TEST_IDS.webhookSecret,
    ...(options.canRequestPayments === undefined ? {} : { canRequestPayments: options.canRequestPayments }),
  });
  const connection = IncardConnectionConfig.decode({
    apiKey,
    templateId: INCARD_TEST_IDS.templateId,
    depositAccount: { id: INCARD_TEST_IDS.depositAccountId, currency },
    defaultRecipientId: INCARD_TEST_IDS.recipientId,
    baseUrl: incard.url,
    webhookSecret: INCARD_TEST_IDS.webhookSecret,
  });
  if (E.isLeft(connection)) return bug('test connection config does not decode');
  const revoked = IncardApiKey.decode('sk_sandbox_revoked0000');
  const revokedKey = E.isRight(revoked) ? revoked.right : bug('revoked key does not decode');
  const config: IncardProviderConfig = {
    ...connection.right,
    now: clock.now,
    // The contract's timeout faults wait this long; 1 s still holds on a busy shared machine, where 300 ms did not.
    timeoutMs: options.timeoutMs ?? 1000,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  };
  return {
    provider: createIncardProvider(config),
    server: incard.server,
    incard,
    clock,
    config,
    observed: () => incard.invoices().map(observeIncardInvoice),
    withBadCredentials: () => createIncardProvider({ ...config, apiKey: revokedKey }),
    exactCurrencies: ['EUR', 'JPY', 'KWD'].filter((code): code is 'EUR' | 'JPY' | 'KWD' => code === currency),
    close: () => incard.close(),
  };
};
