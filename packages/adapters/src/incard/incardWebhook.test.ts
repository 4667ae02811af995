import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { stringifyExactJson, JsonNumber } from '../providers/exactJson.js';
import { idempotencyKey } from '../providers/port.js';
import type { WebhookInput } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { IncardHarness } from './testing/incardHarness.js';
import { INCARD_TEST_IDS, incardHarness } from './testing/incardHarness.js';
import { signIncardWebhook } from './testing/signIncardWebhook.js';
import { verifyIncardWebhook } from './webhook.js';

const secret = INCARD_TEST_IDS.webhookSecret;
const now = new Date('2026-11-10T12:00:00.000Z');

let harness: IncardHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const transactionEvent = (data: Record<string, unknown>, type = 'transaction.create', id = 'evt_1') =>
  stringifyExactJson({
    id,
    type,
    created_at: '2026-11-10T11:59:00.000Z',
    data: {
      id: 'txn_77',
      status: 'completed',
      direction: 'inbound',
      amount: JsonNumber.unsafe('461.07'),
      currency: 'EUR',
      invoice_public_id: 'inv000000000001',
      reference: 'INV-2026-000001',
      completed_at: '2026-11-10T11:58:30.000Z',
      ...data,
    },
  });

const signed = (body: string, at: Date = now, key: string = secret): WebhookInput => ({
  rawBody: Buffer.from(body),
  headers: signIncardWebhook({ rawBody: body, secret: key, timestamp: at }),
  secret,
  now,
});

describe('verifyIncardWebhook', () => {
  it('a payment on the hosted page of an issued invoice → PaymentReceived for that invoice and amount', async () => {
    harness = await incardHarness({ timeoutMs: 10_000, clock: { now: () => now, advance: () => undefined } });
    const invoice = sampleProviderInvoice();
    const ref = await harness.provider.issue({ idempotencyKey: idempotencyKey('k'), input: invoice })();
    if (E.isLeft(ref)) throw new Error(ref.left.message);
    const delivery = harness.incard.pay(ref.right.externalId);
    const result = verifyIncardWebhook({ rawBody: delivery.rawBody, headers: delivery.headers, secret, now });
    expect(result).toEqual(
      E.right({
        _tag: 'PaymentReceived',
        eventId: 'incard-transaction:txn_00000001',
        externalId: ref.right.externalId,
        amount: invoice.totals.payableAmount,
        currency: 'EUR',
        paidAt: now.toISOString(),
        reference: invoice.number,
      }),
    );
  });

  it('create and update of one transaction are one payment (same eventId)', () => {
    const created = verifyIncardWebhook(signed(transactionEvent({}, 'transaction.create', 'evt_1')));
    const updated = verifyIncardWebhook(signed(transactionEvent({}, 'transaction.update', 'evt_2')));
    expect(created).toMatchObject({
      right: { _tag: 'PaymentReceived', eventId: 'incard-transaction:txn_77', amount: 46107n },
    });
    expect(updated).toEqual(created);
  });

  it('reads the amount exactly (no float): 0.1 + 0.2-prone and long amounts', () => {
    const small = verifyIncardWebhook(signed(transactionEvent({ amount: JsonNumber.unsafe('0.30') })));
    expect(small).toMatchObject({ right: { amount: 30n } });
    const large = verifyIncardWebhook(
      signed(transactionEvent({ amount: JsonNumber.unsafe('90071992547409.93') })),
    );
    expect(large).toMatchObject({ right: { amount: 9007199254740993n } });
  });

  it('everything else is Ignored with its event id', () => {
    const cases = [
      transactionEvent({ status: 'pending' }, 'transaction.create', 'evt_a'),
      transactionEvent({ direction: 'outbound' }, 'transaction.update', 'evt_b'),
      transactionEvent({ invoice_public_id: null }, 'transaction.create', 'evt_c'),
      stringifyExactJson({ id: 'evt_d', type: 'card.authorised', data: { anything: true } }),
    ];
    expect(cases.map((body) => verifyIncardWebhook(signed(body)))).toEqual([
      E.right({ _tag: 'Ignored', eventId: 'evt_a', eventType: 'transaction.create' }),
      E.right({ _tag: 'Ignored', eventId: 'evt_b', eventType: 'transaction.update' }),
      E.right({ _tag: 'Ignored', eventId: 'evt_c', eventType: 'transaction.create' }),
      E.right({ _tag: 'Ignored', eventId: 'evt_d', eventType: 'card.authorised' }),
    ]);
  });

  it('a forged signature (another secret) is bad_signature', () => {
    const result = verifyIncardWebhook(signed(transactionEvent({}), now, 'whsec_attacker'));
    expect(result).toMatchObject({ left: { _tag: 'WebhookRejected', reason: 'bad_signature' } });
  });

  it('a replayed body with one byte changed is bad_signature', () => {
    const genuine = signed(transactionEvent({}));
    const tampered = Buffer.from(genuine.rawBody);
    const at = tampered.indexOf('461.07');
    tampered[at] = '9'.charCodeAt(0);
    expect(verifyIncardWebhook(genuine)).toMatchObject({ right: { _tag: 'PaymentReceived' } });
    expect(verifyIncardWebhook({ ...genuine, rawBody: tampered })).toMatchObject({
      left: { reason: 'bad_signature' },
    });
  });

  it('older or newer than 300 s is stale; 300 s is still accepted', () => {
    const body = transactionEvent({});
    expect(verifyIncardWebhook(signed(body, new Date(now.getTime() - 300_000)))).toMatchObject({
      right: { _tag: 'PaymentReceived' },
    });
    expect(verifyIncardWebhook(signed(body, new Date(now.getTime() - 301_000)))).toMatchObject({
      left: { reason: 'stale' },
    });
    expect(verifyIncardWebhook(signed(body, new Date(now.getTime() + 301_000)))).toMatchObject({
      left: { reason: 'stale' },
    });
  });

  it('a missing or unparsable signature header is refused', () => {
    const body = transactionEvent({});
    const input = signed(body);
    expect(verifyIncardWebhook({ ...input, headers: {} })).toMatchObject({
      left: { reason: 'missing_signature' },
    });
    expect(verifyIncardWebhook({ ...input, headers: { 'x-incard-signature': 'sha256=abc' } })).toMatchObject({
      left: { reason: 'malformed' },
    });
    expect(
      verifyIncardWebhook({ ...input, headers: { 'x-incard-signature': `t=${now.getTime() / 1000},v1=zz` } }),
    ).toMatchObject({ left: { reason: 'bad_signature' } });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const body = transactionEvent({});
    const good = signIncardWebhook({ rawBody: body, secret, timestamp: now })['x-incard-signature'] ?? '';
    const header = good.replace('v1=', `v1=${'0'.repeat(64)},v1=`);
    expect(verifyIncardWebhook({ ...signed(body), headers: { 'x-incard-signature': header } })).toMatchObject(
      {
        right: { _tag: 'PaymentReceived' },
      },
    );
  });

  it('genuine but malformed bodies are refused as malformed', () => {
    const bodies = [
      'not json',
      stringifyExactJson({ type: 'transaction.create' }),
      transactionEvent({ amount: 'NaN' }),
      transactionEvent({ amount: JsonNumber.unsafe('10.001') }),
      transactionEvent({ amount: JsonNumber.unsafe('0') }),
      transactionEvent({ currency: 'EURO' }),
      transactionEvent({ completed_at: 'yesterday' }),
    ];
    for (const body of bodies) {
      expect(verifyIncardWebhook(signed(body)), body).toMatchObject({ left: { reason: 'malformed' } });
    }
  });

  it('never puts the secret or the expected signature in the refusal', () => {
    const input = signed(transactionEvent({}), now, 'whsec_attacker');
    const result = verifyIncardWebhook(input);
    const text = JSON.stringify(E.isLeft(result) ? result.left : {});
    expect(text).not.toContain(secret);
    const genuine =
      signIncardWebhook({ rawBody: input.rawBody, secret, timestamp: now })['x-incard-signature'] ?? '';
    expect(text).not.toContain(genuine.split('v1=')[1] ?? 'never');
  });
});
