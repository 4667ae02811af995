import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderNotification, WebhookRejected } from '../providers/port.js';
import { amountMappingSamples } from '../providers/testing/fixtures.js';
import type { InvoroHarness } from './testing/harness.js';
import { invoroHarness } from './testing/harness.js';
import { signInvoroWebhook } from './testing/signing.js';
import { createInvoroWebhookVerifier, verifyInvoroWebhook } from './webhook.js';

const SECRET = 'whsec_invoro_test';
const NOW = new Date('2026-11-10T10:00:00.000Z');
const verifyTest = createInvoroWebhookVerifier({ acceptTestEvents: true });

const payload = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  event: 'invoice.delivered',
  timestamp: '2026-11-10T09:59:00.000Z',
  is_test: false,
  data: {
    id: '9d1c6a3e-0f55-4a8e-b1d2-6a7c8e9f0a1b',
    state: 'delivered',
    currency: 'EUR',
    amount: 46107,
    payment_status: 'unpaid',
    total_paid_cents: 0,
    delivery_network_id: 'peppol',
    updated_at: '2026-11-10T09:59:00.000Z',
    ...data,
  },
  ...overrides,
});

const verify = (
  delivery: { rawBody: Buffer; headers: Readonly<Record<string, string>> },
  options: { now?: Date; secret?: string; verifier?: typeof verifyInvoroWebhook } = {},
) =>
  (options.verifier ?? verifyInvoroWebhook)({
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

describe('verifyInvoroWebhook', () => {
  it('a genuine invoice.delivered becomes Delivered on the network it names', () => {
    const notification = accepted(verify(signInvoroWebhook(payload(), SECRET)));
    expect(notification).toEqual({
      _tag: 'Delivered',
      eventId: 'invoice.delivered:2026-11-10T09:59:00.000Z:9d1c6a3e-0f55-4a8e-b1d2-6a7c8e9f0a1b',
      externalId: '9d1c6a3e-0f55-4a8e-b1d2-6a7c8e9f0a1b',
      channel: 'peppol',
      deliveredAt: '2026-11-10T09:59:00.000Z',
    });
    const email = accepted(verify(signInvoroWebhook(payload({}, { delivery_network_id: 'email' }), SECRET)));
    expect(email).toMatchObject({ _tag: 'Delivered', channel: 'email' });
  });

  it('invoice.paid becomes PaymentReceived of total_paid_cents in minor units (÷100 for JPY)', () => {
    const eur = accepted(
      verify(
        signInvoroWebhook(
          payload({ event: 'invoice.paid' }, { payment_status: 'paid', total_paid_cents: 46107 }),
          SECRET,
        ),
      ),
    );
    expect(eur).toMatchObject({ _tag: 'PaymentReceived', amount: 46107n, currency: 'EUR' });
    const jpy = accepted(
      verify(
        signInvoroWebhook(
          payload(
            { event: 'invoice.paid' },
            { currency: 'JPY', payment_status: 'paid', total_paid_cents: 664200 },
          ),
          SECRET,
        ),
      ),
    );
    expect(jpy).toMatchObject({ _tag: 'PaymentReceived', amount: 6642n, currency: 'JPY' });
    const fractionalYen = verify(
      signInvoroWebhook(
        payload(
          { event: 'invoice.paid' },
          { currency: 'JPY', payment_status: 'paid', total_paid_cents: 664250 },
        ),
        SECRET,
      ),
    );
    expect(rejected(fractionalYen).reason).toBe('malformed');
  });

  it('partial payments, unknown events and test deliveries are Ignored', () => {
    const partial = accepted(
      verify(
        signInvoroWebhook(
          payload(
            { event: 'invoice.payment_status_changed' },
            { payment_status: 'partially_paid', total_paid_cents: 100 },
          ),
          SECRET,
        ),
      ),
    );
    expect(partial).toMatchObject({ _tag: 'Ignored', eventType: 'invoice.payment_status_changed' });
    expect(accepted(verify(signInvoroWebhook(payload({ event: 'invoice.created' }), SECRET)))._tag).toBe(
      'Ignored',
    );
    const test = signInvoroWebhook(payload({ is_test: true }), SECRET);
    expect(accepted(verify(test))._tag).toBe('Ignored');
    expect(accepted(verify(test, { verifier: verifyTest }))._tag).toBe('Delivered');
  });

  it('forged: another secret, a missing or malformed header, one changed byte', () => {
    const genuine = signInvoroWebhook(payload(), SECRET);
    expect(rejected(verify(genuine, { secret: 'another-secret' })).reason).toBe('bad_signature');
    const { ['x-signature-sha256']: _dropped, ...unsigned } = genuine.headers;
    expect(rejected(verify({ ...genuine, headers: unsigned })).reason).toBe('missing_signature');
    const bare = {
      ...genuine.headers,
      'x-signature-sha256': genuine.headers['x-signature-sha256']!.slice(7),
    };
    expect(rejected(verify({ ...genuine, headers: bare })).reason).toBe('bad_signature');
    const tampered = Buffer.from(genuine.rawBody);
    const at = tampered.indexOf('46107');
    tampered[at] = '9'.charCodeAt(0);
    const result = rejected(verify({ ...genuine, rawBody: tampered }));
    expect(result.reason).toBe('bad_signature');
    expect(result.message).not.toContain(SECRET);
  });

  it('stale beyond the tolerance (Invoro retries at +5 and +15 min, so one hour), or dated in the future', () => {
    const delivery = signInvoroWebhook(payload(), SECRET);
    expect(accepted(verify(delivery, { now: new Date('2026-11-10T10:50:00.000Z') }))._tag).toBe('Delivered');
    expect(rejected(verify(delivery, { now: new Date('2026-11-10T11:00:00.001Z') })).reason).toBe('stale');
    expect(rejected(verify(delivery, { now: new Date('2026-11-10T09:50:00.000Z') })).reason).toBe('stale');
  });

  it('malformed: not JSON, no data id, no timestamp, a header event the body contradicts', () => {
    expect(rejected(verify(signInvoroWebhook('{"event":', SECRET))).reason).toBe('malformed');
    expect(rejected(verify(signInvoroWebhook({ event: 'invoice.delivered', data: {} }, SECRET))).reason).toBe(
      'malformed',
    );
    expect(
      rejected(verify(signInvoroWebhook({ event: 'invoice.delivered', data: { id: 'x' } }, SECRET))).reason,
    ).toBe('malformed');
    const contradicted = signInvoroWebhook(payload(), SECRET, { event: 'invoice.paid' });
    expect(rejected(verify(contradicted)).reason).toBe('malformed');
  });

  it('a replayed genuine delivery verifies again with the same event id (deduplicated downstream)', () => {
    const delivery = signInvoroWebhook(payload(), SECRET);
    const first = accepted(verify(delivery));
    const again = accepted(
      verify({ rawBody: Buffer.from(delivery.rawBody), headers: { ...delivery.headers } }),
    );
    expect(again).toEqual(first);
  });
});

describe('Invoro webhooks from the test server', () => {
  let h: InvoroHarness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it('deliver and markPaid emit deliveries the verifier turns into Delivered and PaymentReceived', async () => {
    h = await invoroHarness({ server: { now: () => NOW } });
    const invoice = amountMappingSamples.JPY();
    const issued = await h.provider.issue({ idempotencyKey: idempotencyKey('i'), input: invoice })();
    if (E.isLeft(issued)) throw new Error(issued.left.message);
    const ref = issued.right;
    const delivered = accepted(verify(h.invoro.deliver(ref.externalId), { verifier: verifyTest }));
    expect(delivered).toMatchObject({ _tag: 'Delivered', externalId: ref.externalId, channel: 'peppol' });
    const paid = accepted(verify(h.invoro.markPaid(ref.externalId), { verifier: verifyTest }));
    expect(paid).toMatchObject({
      _tag: 'PaymentReceived',
      externalId: ref.externalId,
      amount: 6642n,
      currency: 'JPY',
    });
    // A test key's events carry is_test: the production verifier ignores them.
    expect(accepted(verify(h.invoro.markPaid(ref.externalId)))._tag).toBe('Ignored');
  });
});
