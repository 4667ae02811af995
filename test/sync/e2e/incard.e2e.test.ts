import {
  INCARD_TEST_IDS,
  observeIncardInvoice,
  startIncardTestServer,
} from '@accrue/adapters/incard/testing';

import { providerEndToEnd } from './suite.js';

providerEndToEnd('incard', async (clock) => {
  const incard = await startIncardTestServer({
    apiKey: INCARD_TEST_IDS.apiKey,
    now: clock.date,
    templateId: INCARD_TEST_IDS.templateId,
    depositAccount: { id: INCARD_TEST_IDS.depositAccountId, currency: 'EUR' },
    recipientIds: [INCARD_TEST_IDS.recipientId],
    webhookSecret: INCARD_TEST_IDS.webhookSecret,
  });
  return {
    provider: 'incard',
    settings: {
      apiKey: INCARD_TEST_IDS.apiKey,
      templateId: INCARD_TEST_IDS.templateId,
      depositAccount: { id: INCARD_TEST_IDS.depositAccountId, currency: 'EUR' },
      defaultRecipientId: INCARD_TEST_IDS.recipientId,
      baseUrl: incard.url,
      webhookSecret: INCARD_TEST_IDS.webhookSecret,
    },
    server: incard.server,
    observed: () => incard.invoices().map(observeIncardInvoice),
    pay: (externalId) => incard.pay(externalId),
    close: () => incard.close(),
  };
});
