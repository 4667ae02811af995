import {
  DOLLR_TEST_CREDENTIALS,
  observeDollrInvoice,
  startDollrTestServer,
} from '@accrue/adapters/dollr/testing';

import { providerEndToEnd } from './suite.js';

providerEndToEnd('dollr', async (clock) => {
  const dollr = await startDollrTestServer({
    clientId: DOLLR_TEST_CREDENTIALS.clientId,
    clientSecret: DOLLR_TEST_CREDENTIALS.clientSecret,
    now: clock.date,
    counterpartyIds: [DOLLR_TEST_CREDENTIALS.counterpartyId],
  });
  return {
    provider: 'dollr',
    settings: {
      clientId: DOLLR_TEST_CREDENTIALS.clientId,
      clientSecret: DOLLR_TEST_CREDENTIALS.clientSecret,
      defaultCounterpartyId: DOLLR_TEST_CREDENTIALS.counterpartyId,
      currencies: ['EUR'],
      baseUrl: dollr.url,
    },
    server: dollr.server,
    observed: () => dollr.invoices().map(observeDollrInvoice(dollr)),
    pay: (externalId) => {
      dollr.markPaid(Number(externalId));
      return undefined;
    },
    close: () => dollr.close(),
  };
});
