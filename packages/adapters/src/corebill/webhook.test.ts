import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { JsonNumber } from '../providers/exactJson.js';
import type { ProviderNotification, WebhookRejected } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { amountMappingSamples } from '../providers/testing/fixtures.js';
import type { CorebillHarness } from './testing/harness.js';
import { corebillHarness } from './testing/harness.js';
import { signCorebillWebhook } from './testing/signing.js';
import { createCorebillWebhookVerifier, verifyCorebillWebhook } from './webhook.js';

const SECRET = 'whsec_corebill_test';
const NOW = new Date('2026-11-10T10:00:00.000Z');

const event = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  id: 'evt_5f1d2c3b4a59',
  event: 'invoice.paid',
  created_at: '2026-11-10T09:58:00.000Z',
  webhook_id: 'wh_123',
  data: {
    id: 'inv_0a1b2c3d',
    status: 'paid',
    currency: 'EUR',
    total: JsonNumber.unsafe('461.07'),
    amount_paid: JsonNumber.unsafe('461.07'),
    amount_due: JsonNumber.unsafe('0.00'),
    payment: {
      id: 'pay_77',
      amount: JsonNumber.unsafe('461.07'),
      payment_date: '2026-11-09',
      payment_method: 'bank_transfer',
      reference: 'SEPA 2026-11-09 ACME',
    },
    ...data,
  },
  metadata: {},
  ...overrides,
});

const verify = (
  delivery: { rawBody: Buffer; headers: Readonly<Record<string, string>> },
  options: { now?: Date; secret?: string } = {},
) =>
  verifyCorebillWebhook({
    rawBody: delivery.rawBody,
    headers: delivery.headers,
    secret: options.secret ?? SECRET,
    now: options.now ?? NOW,
  });

const accepted = (result: E.Either<WebhookRejected, ProviderNotification>): ProviderNotification => {
  if (E.isLeft(result)) throw new Error(`rejected: ${result.left.reason} ${result.left.message}`);
  return result.right;
};
const rejected = (result: E.Either<WebhookRejected, ProviderNotification>): WebhookRejected => {
  if (E.isRight(result)) throw new Error(`accepted: ${result.right._tag}`);
  return result.left;
};

describe('verifyCorebillWebhook', () => {
  it('invoice.paid becomes PaymentReceived of that payment, major units → minor units', () => {
    expect(accepted(verify(signCorebillWebhook(event(), SECRET)))).toEqual({
      _tag: 'PaymentReceived',
      eventId: 'evt_5f1d2c3b4a59',
      externalId: 'inv_0a1b2c3d',
      amount: 46107n,
      currency: 'EUR',
      paidAt: '2026-11-09T00:00:00.000Z',
      reference: 'SEPA 2026-11-09 ACME',
    });
    const partial = event(
      { event: 'invoice.payment_recorded' },
      { currency: 'JPY', payment: { amount: JsonNumber.unsafe('2000'), payment_date: null } },
    );
    expect(accepted(verify(signCorebillWebhook(partial, SECRET)))).toMatchObject({
      _tag: 'PaymentReceived',
      amount: 2000n,
      currency: 'JPY',
      paidAt: '2026-11-10T09:58:00.000Z',
    });
  });

  it('a payment we recorded ourselves (reference accrue:…) is Ignored: it is already in Accrue', () => {
    const ours = event({}, { payment: { amount: JsonNumber.unsafe('461.07'), reference: 'accrue:pay-1' } });
    expect(accepted(verify(signCorebillWebhook(ours, SECRET)))).toEqual({
      _tag: 'Ignored',
      eventId: 'evt_5f1d2c3b4a59',
      eventType: 'invoice.paid',
    });
  });

  it('viewed → Delivered by email; invoice.sent and others → Ignored', () => {
    const viewed = event({ event: 'invoice.updated' }, { status: 'viewed', payment: null });
    expect(accepted(verify(signCorebillWebhook(viewed, SECRET)))).toEqual({
      _tag: 'Delivered',
      eventId: 'evt_5f1d2c3b4a59',
      externalId: 'inv_0a1b2c3d',
      channel: 'email',
      deliveredAt: '2026-11-10T09:58:00.000Z',
    });
    const sent = event({ event: 'invoice.sent' }, { status: 'sent', payment: null });
    expect(accepted(verify(signCorebillWebhook(sent, SECRET)))._tag).toBe('Ignored');
    expect(accepted(verify(signCorebillWebhook(event({ event: 'customer.created' }), SECRET)))._tag).toBe(
      'Ignored',
    );
  });

  it('forged: another secret, no header, a changed byte', () => {
    const genuine = signCorebillWebhook(event(), SECRET);
    expect(rejected(verify(genuine, { secret: 'whsec_other' })).reason).toBe('bad_signature');
    expect(rejected(verify({ ...genuine, headers: {} })).reason).toBe('missing_signature');
    expect(rejected(verify({ ...genuine, headers: { 'x-webhook-signature': 'abc' } })).reason).toBe(
      'bad_signature',
    );
    const tampered = Buffer.from(genuine.rawBody);
    tampered[tampered.indexOf('461.07')] = '9'.charCodeAt(0);
    const result = rejected(verify({ ...genuine, rawBody: tampered }));
    expect(result.reason).toBe('bad_signature');
    expect(result.message).not.toContain(SECRET);
    // The same signature with a sha256= prefix is accepted (some senders add it).
    const prefixed = { 'x-webhook-signature': `sha256=${genuine.headers['x-webhook-signature']!}` };
    expect(accepted(verify({ ...genuine, headers: prefixed }))._tag).toBe('PaymentReceived');
  });

  it('stale after the tolerance (24 h by default, configurable) or dated in the future', () => {
    const delivery = signCorebillWebhook(event(), SECRET);
    expect(accepted(verify(delivery, { now: new Date('2026-11-11T09:57:00.000Z') }))._tag).toBe(
      'PaymentReceived',
    );
    expect(rejected(verify(delivery, { now: new Date('2026-11-11T09:58:00.001Z') })).reason).toBe('stale');
    expect(rejected(verify(delivery, { now: new Date('2026-11-10T09:50:00.000Z') })).reason).toBe('stale');
    const strict = createCorebillWebhookVerifier({ toleranceMs: 60_000 });
    expect(
      E.isLeft(strict({ rawBody: delivery.rawBody, headers: delivery.headers, secret: SECRET, now: NOW })),
    ).toBe(true);
  });

  it('malformed: not JSON, no event id, a payment event without payment or with fractional yen', () => {
    expect(rejected(verify(signCorebillWebhook('not json', SECRET))).reason).toBe('malformed');
    const { id: _id, ...noId } = event();
    expect(rejected(verify(signCorebillWebhook(noId, SECRET))).reason).toBe('malformed');
    expect(rejected(verify(signCorebillWebhook(event({}, { payment: null }), SECRET))).reason).toBe(
      'malformed',
    );
    const yen = event({}, { currency: 'JPY', payment: { amount: JsonNumber.unsafe('10.5') } });
    expect(rejected(verify(signCorebillWebhook(yen, SECRET))).reason).toBe('malformed');
  });

  it('a replayed genuine delivery verifies again to the same event id (deduplicated downstream)', () => {
    const delivery = signCorebillWebhook(event(), SECRET);
    expect(
      accepted(verify({ rawBody: Buffer.from(delivery.rawBody), headers: { ...delivery.headers } })),
    ).toEqual(accepted(verify(delivery)));
  });
});

describe('Corebill webhooks from the test server', () => {
  let h: CorebillHarness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it('a payment recorded in Corebill by someone else arrives as PaymentReceived; viewing as Delivered', async () => {
    h = await corebillHarness({ server: { now: () => NOW } });
    const issued = await h.provider.issue({
      idempotencyKey: idempotencyKey('i'),
      input: amountMappingSamples.JPY(),
    })();
    if (E.isLeft(issued)) throw new Error(issued.left.message);
    const { externalId } = issued.right;
    const response = await fetch(
      `${h.corebill.baseUrl}/invoices/${externalId}/payments?company_id=${h.config.companyId}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${h.config.apiKey}`, 'content-type': 'application/json' },
        body: '{"amount":6642,"payment_date":"2026-11-09","payment_method":"cash","reference":"till 4"}',
      },
    );
    expect(response.status).toBe(201);
    const paid = h.corebill.webhooks().at(-1);
    expect(paid?.event).toBe('invoice.paid');
    expect(accepted(verify(paid!))).toMatchObject({
      _tag: 'PaymentReceived',
      externalId,
      amount: 6642n,
      currency: 'JPY',
      reference: 'till 4',
    });
    expect(accepted(verify(h.corebill.view(externalId)))).toMatchObject({ _tag: 'Delivered', externalId });
  });
});
