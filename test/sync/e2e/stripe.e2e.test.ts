import { HARNESS_ACCOUNT, HARNESS_SECRET_KEY, startStripeTestServer } from '@accrue/adapters/stripe/testing';

import { providerEndToEnd } from './suite.js';

const WEBHOOK_SECRET = 'whsec_e2e_stripe_0123456789';

providerEndToEnd('stripe', async (clock) => {
  const server = await startStripeTestServer({
    keys: { [HARNESS_SECRET_KEY]: HARNESS_ACCOUNT },
    now: clock.date,
  });
  return {
    provider: 'stripe',
    settings: { secretKey: HARNESS_SECRET_KEY, baseUrl: server.url, webhookSecret: WEBHOOK_SECRET },
    server,
    observed: () =>
      server
        .invoices()
        .filter((invoice) => !invoice.deleted)
        .map((invoice) => ({
          externalId: invoice.id,
          reference: invoice.number ?? '',
          currency: invoice.currency.toUpperCase(),
          payableAmount: server.totals(invoice).amountDue,
          status:
            invoice.status === 'open'
              ? server.emails().some((email) => email.invoiceId === invoice.id)
                ? 'sent'
                : 'issued'
              : invoice.status,
        })),
    pay: (externalId) => {
      server.payOnStripe(externalId);
      const event = server
        .events()
        .find(
          (candidate) => candidate.type === 'invoice.paid' && candidate.payload.includes(`"${externalId}"`),
        );
      if (event === undefined) throw new Error('Stripe sent no invoice.paid');
      return server.delivery(event.id, WEBHOOK_SECRET);
    },
    close: () => server.close(),
  };
});
