import {
  COREBILL_COMPANY,
  COREBILL_CUSTOMER,
  COREBILL_TEST_KEY,
  corebillHarness,
  signCorebillWebhook,
} from '@accrue/adapters/corebill/testing';

import { providerEndToEnd } from './suite.js';

const WEBHOOK_SECRET = 'corebill-e2e-webhook-secret-0123';

providerEndToEnd('corebill', async (clock) => {
  // The harness's observation of Corebill's records (its own reading of amounts); its adapter is not used.
  const harness = await corebillHarness({
    server: { webhookSecret: WEBHOOK_SECRET, now: clock.date },
    now: clock.date,
  });
  const customers = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`cust-${String(i)}`, COREBILL_CUSTOMER]),
  );
  return {
    provider: 'corebill',
    settings: {
      apiKey: COREBILL_TEST_KEY,
      companyId: COREBILL_COMPANY,
      customers,
      baseUrl: harness.corebill.baseUrl,
      webhookSecret: WEBHOOK_SECRET,
    },
    server: harness.server,
    observed: harness.observed,
    // Corebill's test server has no hosted payment page: the customer's payment is the webhook Corebill sends
    // for a payment recorded in its app, `invoice.paid` with the payment in major units.
    pay: (externalId) => {
      const invoice = harness.observed().find((entry) => entry.externalId === externalId);
      if (invoice === undefined) throw new Error(`no Corebill invoice ${externalId}`);
      const major = `${String(invoice.payableAmount / 100n)}.${String(invoice.payableAmount % 100n).padStart(2, '0')}`;
      const body =
        `{"id":"evt_paid_${externalId}","event":"invoice.paid","created_at":"${clock.date().toISOString()}",` +
        `"webhook_id":"wh_1","data":{"id":"${externalId}","status":"paid","currency":"EUR",` +
        `"payment":{"id":"pay_77","amount":${major},"payment_date":"2026-11-21","reference":"bank-77"}},"metadata":{}}`;
      return signCorebillWebhook(body, WEBHOOK_SECRET);
    },
    close: harness.close,
  };
});
