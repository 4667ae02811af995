import { INVORO_BUSINESS_ENTITY, INVORO_TEST_KEY, invoroHarness } from '@accrue/adapters/invoro/testing';

import { providerEndToEnd } from './suite.js';

const WEBHOOK_SECRET = 'invoro-e2e-webhook-secret-0123';

providerEndToEnd('invoro', async (clock) => {
  // The harness's observation of Invoro's records (its own reading of cents); its adapter is not used.
  const harness = await invoroHarness({
    server: { webhookSecret: WEBHOOK_SECRET, now: clock.date },
    now: clock.date,
  });
  return {
    provider: 'invoro',
    settings: {
      apiKey: INVORO_TEST_KEY,
      businessEntityId: INVORO_BUSINESS_ENTITY,
      baseUrl: harness.invoro.baseUrl,
      webhookSecret: WEBHOOK_SECRET,
    },
    server: harness.server,
    observed: harness.observed,
    pay: (externalId) => harness.invoro.markPaid(externalId),
    close: harness.close,
  };
});
