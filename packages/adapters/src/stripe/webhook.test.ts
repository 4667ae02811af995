import * as E from 'fp-ts/lib/Either.js';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ExternalInvoiceRef, WebhookInput } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { StripeHarness } from './testing/harness.js';
import { createStripeHarness } from './testing/harness.js';
import { signStripeWebhook } from './testing/sign.js';
import { createStripeWebhookVerifier, verifyStripeWebhook } from './webhook.js';

const SECRET = 'whsec_loopbackSigningSecret0001';

let harness: StripeHarness;
beforeEach(async () => {
  harness = await createStripeHarness();
});
afterEach(async () => {
  await harness.close();
});

const issued = async (invoice = sampleProviderInvoice()): Promise<ExternalInvoiceRef> => {
  const result = await harness.provider.issue({
    idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`),
    input: invoice,
  })();
  if (E.isLeft(result)) throw new Error(result.left.message);
  return result.right;
};

const eventOf = (type: string, invoiceId: string) => {
  const event = harness.server
    .events()
    .filter(
      (e) =>
        e.type === type &&
        (JSON.parse(e.payload) as { data: { object: { id: string } } }).data.object.id === invoiceId,
    )
    .at(-1);
  if (event === undefined) throw new Error(`no ${type} for ${invoiceId}`);
  return event;
};

/** A delivery of a server event, as the webhook route would hand it to the verifier. */
const delivered = (eventId: string, overrides: Partial<WebhookInput> = {}): WebhookInput => {
  const { rawBody, headers } = harness.server.delivery(eventId, SECRET);
  return {
    rawBody,
    headers: { 'stripe-signature': headers['stripe-signature'] },
    secret: SECRET,
    now: harness.clock.now(),
    ...overrides,
  };
};

const signed = (
  body: string,
  timestamp = Math.floor(harness.clock.now().getTime() / 1000),
): WebhookInput => ({
  rawBody: Buffer.from(body, 'utf8'),
  headers: { 'stripe-signature': signStripeWebhook(body, SECRET, timestamp) },
  secret: SECRET,
  now: harness.clock.now(),
});

describe('verifyStripeWebhook', () => {
  it('invoice.paid by the customer on Stripe → PaymentReceived in our minor units', async () => {
    const ref = await issued();
    harness.clock.advance(3_600_000);
    harness.server.payOnStripe(ref.externalId);
    const event = eventOf('invoice.paid', ref.externalId);
    const result = verifyStripeWebhook(delivered(event.id));
    expect(result).toEqual(
      E.right({
        _tag: 'PaymentReceived',
        eventId: event.id,
        externalId: ref.externalId,
        amount: 46107n,
        currency: 'EUR',
        paidAt: '2026-11-02T10:00:00.000Z',
      }),
    );
  });

  it('JPY: the paid amount stays in whole yen', async () => {
    const ref = await issued(amountMappingSamples.JPY());
    harness.server.payOnStripe(ref.externalId);
    const result = verifyStripeWebhook(delivered(eventOf('invoice.paid', ref.externalId).id));
    expect(E.isRight(result) && result.right).toMatchObject({
      _tag: 'PaymentReceived',
      amount: 6642n,
      currency: 'JPY',
    });
  });

  it('invoice.paid caused by recordPayment (paid out of band) is Ignored: Accrue already holds that payment', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    const recorded = await harness.provider.recordPayment?.({
      idempotencyKey: idempotencyKey('pay-oob'),
      input: {
        ref,
        invoice,
        payment: {
          paymentId: 'pay-77',
          amount: invoice.totals.payableAmount,
          currency: invoice.currency,
          paidAt: '2026-11-05T10:00:00.000Z',
          settlesInvoice: true,
        },
      },
    })();
    expect(recorded).toEqual(E.right(undefined));
    const event = eventOf('invoice.paid', ref.externalId);
    expect(verifyStripeWebhook(delivered(event.id))).toEqual(
      E.right({ _tag: 'Ignored', eventId: event.id, eventType: 'invoice.paid' }),
    );
  });

  it('invoice.sent → Delivered by email at the event time; invoice.finalized → Ignored', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    harness.clock.advance(60_000);
    await harness.provider.send?.({ idempotencyKey: idempotencyKey('send'), input: { ref, invoice } })();
    const sent = eventOf('invoice.sent', ref.externalId);
    expect(verifyStripeWebhook(delivered(sent.id))).toEqual(
      E.right({
        _tag: 'Delivered',
        eventId: sent.id,
        externalId: ref.externalId,
        channel: 'email',
        deliveredAt: '2026-11-02T09:01:00.000Z',
      }),
    );
    const finalized = eventOf('invoice.finalized', ref.externalId);
    expect(verifyStripeWebhook(delivered(finalized.id))).toEqual(
      E.right({ _tag: 'Ignored', eventId: finalized.id, eventType: 'invoice.finalized' }),
    );
  });

  it('our signature is the SDK’s: same header as generateTestHeaderString, and constructEvent accepts it', () => {
    const body = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'ping',
      created: 1,
      data: { object: {} },
    });
    const timestamp = 1_793_000_000;
    const ours = signStripeWebhook(body, SECRET, timestamp);
    const stripe = new Stripe('sk_test_unused', { apiVersion: '2026-10-28.endive' });
    expect(ours).toBe(stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp }));
    expect(stripe.webhooks.constructEvent(body, ours, SECRET, 300, undefined, timestamp).id).toBe('evt_1');
  });

  describe('refusals', () => {
    const paidInvoice = {
      id: 'in_1',
      object: 'invoice',
      currency: 'eur',
      amount_paid: 1000,
      metadata: {},
      status_transitions: { paid_at: 1_793_000_000 },
    };
    const eventWith = (object: unknown) =>
      JSON.stringify({
        id: 'evt_2',
        object: 'event',
        type: 'invoice.paid',
        created: 1_793_000_000,
        data: { object },
      });
    const body = eventWith(paidInvoice);

    it('accepts a valid signature (control for the cases below)', () => {
      expect(verifyStripeWebhook(signed(body))._tag).toBe('Right');
    });

    it('a forged signature (wrong secret) → bad_signature', () => {
      const input = signed(body);
      const result = verifyStripeWebhook({ ...input, secret: 'whsec_someOtherSecret' });
      expect(E.isLeft(result) && result.left).toMatchObject({
        _tag: 'WebhookRejected',
        reason: 'bad_signature',
      });
    });

    it('a replayed body with one byte changed → bad_signature', () => {
      const input = signed(body);
      const tampered = Buffer.from(input.rawBody);
      const at = tampered.indexOf('1000');
      tampered[at] = '9'.charCodeAt(0);
      const result = verifyStripeWebhook({ ...input, rawBody: tampered });
      expect(E.isLeft(result) && result.left.reason).toBe('bad_signature');
    });

    it('stale: older or newer than the tolerance → stale; at the edge → accepted', () => {
      const now = Math.floor(harness.clock.now().getTime() / 1000);
      expect(verifyStripeWebhook(signed(body, now - 300))._tag).toBe('Right');
      expect(verifyStripeWebhook(signed(body, now + 300))._tag).toBe('Right');
      for (const timestamp of [now - 301, now + 301]) {
        const result = verifyStripeWebhook(signed(body, timestamp));
        expect(E.isLeft(result) && result.left.reason, String(timestamp - now)).toBe('stale');
      }
    });

    it('the tolerance is configurable', () => {
      const now = Math.floor(harness.clock.now().getTime() / 1000);
      const strict = createStripeWebhookVerifier({ toleranceSeconds: 10 });
      expect(strict(signed(body, now - 10))._tag).toBe('Right');
      const result = strict(signed(body, now - 11));
      expect(E.isLeft(result) && result.left.reason).toBe('stale');
    });

    it('a stale timestamp re-signed with a fresh t but the old v1 → bad_signature (t is signed)', () => {
      const now = Math.floor(harness.clock.now().getTime() / 1000);
      const old = signStripeWebhook(body, SECRET, now - 3600);
      const v1 = old.split('v1=')[1] ?? '';
      const result = verifyStripeWebhook({
        ...signed(body),
        headers: { 'stripe-signature': `t=${now},v1=${v1}` },
      });
      expect(E.isLeft(result) && result.left.reason).toBe('bad_signature');
    });

    it('several v1 (a secret being rolled): one match is enough; v0 alone is not', () => {
      const input = signed(body);
      const header = input.headers['stripe-signature'] ?? '';
      const [t, v1] = header.split(',');
      const rolled = `${t},v1=${'0'.repeat(64)},${v1},v0=${'1'.repeat(64)}`;
      expect(verifyStripeWebhook({ ...input, headers: { 'stripe-signature': rolled } })._tag).toBe('Right');
      const v0Only = `${t},v0=${(v1 ?? '').slice(3)}`;
      const result = verifyStripeWebhook({ ...input, headers: { 'stripe-signature': v0Only } });
      expect(E.isLeft(result) && result.left.reason).toBe('bad_signature');
    });

    it('no header → missing_signature; an unparsable header → bad_signature', () => {
      const input = signed(body);
      const none = verifyStripeWebhook({ ...input, headers: {} });
      expect(E.isLeft(none) && none.left.reason).toBe('missing_signature');
      for (const header of ['garbage', 't=abc,v1=00', `v1=${'a'.repeat(64)}`, 't=1793000000']) {
        const result = verifyStripeWebhook({ ...input, headers: { 'stripe-signature': header } });
        expect(E.isLeft(result) && result.left.reason, header).toBe('bad_signature');
      }
    });

    it('signed but malformed: not JSON, not an event, an invoice.paid without its amount → malformed', () => {
      const bodies = [
        'not json',
        JSON.stringify({ hello: 'world' }),
        eventWith({ id: 'in_1', object: 'invoice', currency: 'eur' }),
        eventWith({ ...paidInvoice, amount_paid: '1000' }),
        eventWith({ ...paidInvoice, currency: 'zzz' }),
      ];
      for (const candidate of bodies) {
        const result = verifyStripeWebhook(signed(candidate));
        expect(E.isLeft(result) && result.left.reason, candidate).toBe('malformed');
      }
    });

    it('rejections never contain the secret or the expected signature', () => {
      const input = signed(body);
      const expected = (input.headers['stripe-signature'] ?? '').split('v1=')[1] ?? '';
      const results = [
        verifyStripeWebhook({ ...input, secret: 'whsec_other' }),
        verifyStripeWebhook({ ...input, now: new Date(input.now.getTime() + 10_000_000) }),
      ];
      for (const result of results) {
        expect(E.isLeft(result)).toBe(true);
        const text = JSON.stringify(result);
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(expected);
      }
    });
  });
});
