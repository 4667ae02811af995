/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any --
   the suite reads JSON answers as a client does, untyped */
/**
 * `POST /v1/webhooks/{provider}` over real HTTP (signatures are over the bytes on the wire), with the sync's
 * clock injected: forged, stale, malformed and replayed deliveries are refused and change nothing; genuine ones
 * record one payment or delivery however often they come; each tenant's secret finds its own invoices only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FakeProvider } from './support/fakeProvider.js';
import { createFakeProvider, fakeRegistry, signFakeWebhook } from './support/fakeProvider.js';
import type { ManualClock } from './support/manualClock.js';
import { createManualClock } from './support/manualClock.js';
import type { RunningSyncServer } from './support/startSyncServer.js';
import { draftBody, http, startSyncServer } from './support/startSyncServer.js';
import { recordingLog } from './support/world.js';

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';
const SECRET_A = 'whsec_acme_0123456789';
const SECRET_B = 'whsec_globex_0123456789';

describe('provider webhooks over HTTP', () => {
  let dir: string;
  let server: RunningSyncServer;
  let clock: ManualClock;
  let fake: FakeProvider;
  const log = recordingLog();

  const settle = async () => {
    await server.sync?.settle();
    await server.runner.catchUp();
  };

  /** Creates and approves an invoice through the API; returns its id and its id at the provider. */
  const issuedInvoice = async (
    key: string,
    unitPrice = '100.00',
  ): Promise<{ id: string; externalId: string }> => {
    const created = await http(server.url, 'POST', '/v1/invoices', { key, json: draftBody(unitPrice) });
    expect(created.status).toBe(201);
    const id = (created.body as any).id as string;
    expect((await http(server.url, 'POST', `/v1/invoices/${id}/approve`, { key })).status).toBe(200);
    await settle();
    const sync = await http(server.url, 'GET', `/v1/invoices/${id}/sync`, { key });
    const externalId = (sync.body as any).providers[0].external_id as string;
    return { id, externalId };
  };

  const paymentEvent = (eventId: string, externalId: string, amount: string) =>
    JSON.stringify({
      id: eventId,
      type: 'payment',
      data: { external_id: externalId, amount, currency: 'EUR', paid_at: '2026-11-21T12:00:00Z' },
    });

  const deliver = (body: string, headers: Record<string, string>, provider = 'stripe') =>
    http(server.url, 'POST', `/v1/webhooks/${provider}`, { body, headers });

  const eventsOf = async (key: string, id: string): Promise<string[]> => {
    const reply = await http(server.url, 'GET', `/v1/invoices/${id}/events`, { key });
    return ((reply.body as any).events as Array<{ type: string }>).map((event) => event.type);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accrue-webhooks-'));
    clock = createManualClock(Date.now());
    fake = createFakeProvider('stripe');
    server = await startSyncServer(
      {
        ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
        ACCRUE_API_KEYS: `acme:${KEY_A},globex:${KEY_B}`,
        ACCRUE_BODY_LIMIT: String(64 * 1024),
        ACCRUE_PROVIDERS: JSON.stringify([
          { tenantId: 'acme', provider: 'stripe', webhookSecret: { env: 'ACME_STRIPE_WHSEC' } },
          { tenantId: 'globex', provider: 'stripe', webhookSecret: SECRET_B },
        ]),
        ACME_STRIPE_WHSEC: SECRET_A,
      },
      { registry: fakeRegistry('stripe', fake), clock, log },
    );
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a genuine payment is recorded once; redeliveries, even re-signed later, are duplicates that change nothing', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    const body = paymentEvent('evt_pay_1', externalId, '11900');
    const headers = signFakeWebhook(body, SECRET_A, clock.date());

    const first = await deliver(body, headers);
    expect(first).toEqual({ status: 200, body: { status: 'recorded', kind: 'payment', invoice_id: id } });
    expect((await deliver(body, headers)).body).toMatchObject({ status: 'duplicate' });
    clock.advance(60_000);
    expect((await deliver(body, signFakeWebhook(body, SECRET_A, clock.date()))).body).toMatchObject({
      status: 'duplicate',
    });
    await settle();

    expect(await eventsOf(KEY_A, id)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
    const invoice = await http(server.url, 'GET', `/v1/invoices/${id}`, { key: KEY_A });
    expect(invoice.body).toMatchObject({ status: 'paid', amount_paid: '119.00', amount_due: '0.00' });
    // Not mirrored back to the provider it came from.
    expect(fake.calls.filter((call) => call.operation === 'recordPayment')).toEqual([]);
  });

  it('forged, unsigned, stale and malformed deliveries are refused with 401/400 and change nothing', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    const body = paymentEvent('evt_pay_2', externalId, '11900');
    const before = await eventsOf(KEY_A, id);

    const forged = await deliver(body, signFakeWebhook(body, 'whsec_guessed_0123456789', clock.date()));
    expect(forged.status).toBe(401);
    expect((forged.body as any).error.code).toBe('webhook_signature_invalid');

    const tampered = await deliver(body.replace('11900', '1'), signFakeWebhook(body, SECRET_A, clock.date()));
    expect(tampered.status).toBe(401);

    const unsigned = await deliver(body, { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect((unsigned.body as any).error.code).toBe('webhook_signature_missing');

    const stale = await deliver(body, signFakeWebhook(body, SECRET_A, new Date(clock.now() - 10 * 60_000)));
    expect(stale.status).toBe(401);
    expect((stale.body as any).error.code).toBe('webhook_stale');

    const garbage = '{"id": "evt_x", "type": ';
    const malformed = await deliver(garbage, signFakeWebhook(garbage, SECRET_A, clock.date()));
    expect(malformed.status).toBe(400);
    expect((malformed.body as any).error).toMatchObject({ code: 'webhook_malformed', details: [] });

    await settle();
    expect(await eventsOf(KEY_A, id)).toEqual(before);
  });

  it('a genuine delivery replayed after the tolerance is refused as stale and changes nothing', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    const body = paymentEvent('evt_pay_3', externalId, '1000');
    const headers = signFakeWebhook(body, SECRET_A, clock.date());
    clock.advance(301_000);
    const replayed = await deliver(body, headers);
    expect(replayed.status).toBe(401);
    expect((replayed.body as any).error.code).toBe('webhook_stale');
    await settle();
    expect(await eventsOf(KEY_A, id)).toEqual(['InvoiceDraftCreated', 'InvoiceApproved']);
  });

  it("each tenant's secret finds only its own invoices", async () => {
    const a = await issuedInvoice(KEY_A);
    const b = await issuedInvoice(KEY_B, '50.00');
    // Signed with globex's secret, but about acme's invoice: acme's invoice is not globex's to pay.
    const crossed = paymentEvent('evt_cross', a.externalId, '11900');
    expect((await deliver(crossed, signFakeWebhook(crossed, SECRET_B, clock.date()))).body).toEqual({
      status: 'ignored',
      reason: 'unknown_invoice',
    });
    const own = paymentEvent('evt_globex_1', b.externalId, '5950');
    expect((await deliver(own, signFakeWebhook(own, SECRET_B, clock.date()))).body).toMatchObject({
      status: 'recorded',
      invoice_id: b.id,
    });
    await settle();
    expect(await eventsOf(KEY_A, a.id)).toEqual(['InvoiceDraftCreated', 'InvoiceApproved']);
    expect(await eventsOf(KEY_B, b.id)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
  });

  it('a delivery confirmation marks the invoice delivered on the channel it was sent on, once', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    expect(
      (await http(server.url, 'POST', `/v1/invoices/${id}/send`, { key: KEY_A, json: { channel: 'email' } }))
        .status,
    ).toBe(200);
    await settle();
    const body = JSON.stringify({
      id: 'evt_delivered_1',
      type: 'delivery',
      data: { external_id: externalId, channel: 'email' },
    });
    const headers = signFakeWebhook(body, SECRET_A, clock.date());
    expect((await deliver(body, headers)).body).toMatchObject({ status: 'recorded', kind: 'delivery' });
    expect((await deliver(body, headers)).body).toMatchObject({ status: 'duplicate' });
    await settle();
    expect(await eventsOf(KEY_A, id)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'InvoiceSent',
      'InvoiceDelivered',
    ]);
  });

  it('an overpayment is refused by the invoice: answered 200 (delivering again cannot help) and nothing changes', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    const body = paymentEvent('evt_over', externalId, '999999');
    expect((await deliver(body, signFakeWebhook(body, SECRET_A, clock.date()))).body).toEqual({
      status: 'refused',
      code: 'Overpayment',
      invoice_id: id,
    });
    expect(await eventsOf(KEY_A, id)).toEqual(['InvoiceDraftCreated', 'InvoiceApproved']);
  });

  it('events of no interest and invoices never synced are acknowledged and ignored', async () => {
    const other = JSON.stringify({ id: 'evt_other', type: 'customer.updated', data: {} });
    expect((await deliver(other, signFakeWebhook(other, SECRET_A, clock.date()))).body).toEqual({
      status: 'ignored',
      reason: 'not_relevant',
    });
    const unknown = paymentEvent('evt_unknown', 'in_never_ours', '100');
    expect((await deliver(unknown, signFakeWebhook(unknown, SECRET_A, clock.date()))).body).toEqual({
      status: 'ignored',
      reason: 'unknown_invoice',
    });
  });

  it('unknown providers are 404; webhooks need no API key and other routes keep their strict JSON and keys', async () => {
    const unknown = await deliver('{}', { 'content-type': 'application/json' }, 'paypal');
    expect(unknown.status).toBe(404);
    expect((unknown.body as any).error.code).toBe('unknown_provider');
    const unconfigured = await deliver('{}', { 'content-type': 'application/json' }, 'invoro');
    expect(unconfigured.status).toBe(404);
    expect((unconfigured.body as any).error.code).toBe('provider_not_configured');

    // The webhook route takes any bytes; the command routes still refuse what is not strict JSON.
    const text = await http(server.url, 'POST', '/v1/invoices', {
      key: KEY_A,
      body: '{"currency": "EUR",}',
      headers: { 'content-type': 'application/json' },
    });
    expect(text.status).toBe(400);
    expect((await http(server.url, 'POST', '/v1/invoices', { json: draftBody() })).status).toBe(401);
  });

  it('a body over the webhook limit is 413 and changes nothing', async () => {
    const big = JSON.stringify({ id: 'evt_big', type: 'payment', data: { padding: 'x'.repeat(300 * 1024) } });
    const reply = await http(server.url, 'POST', '/v1/webhooks/stripe', {
      body: big,
      headers: signFakeWebhook(big, SECRET_A, clock.date()),
    });
    expect(reply.status).toBe(413);
    expect((reply.body as any).error.code).toBe('payload_too_large');
  });

  it('GET /v1/invoices/{id}/sync shows each provider: status, id, payment link, operations; 404 for another tenant', async () => {
    const { id, externalId } = await issuedInvoice(KEY_A);
    const reply = await http(server.url, 'GET', `/v1/invoices/${id}/sync`, { key: KEY_A });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      invoice_id: id,
      providers: [
        {
          provider: 'stripe',
          status: 'synced',
          external_id: externalId,
          payment_link: `https://pay.fake/${externalId}`,
          last_error: null,
          operations: [
            { operation: 'issue', status: 'succeeded', attempts: 1, next_attempt_at: null, last_error: null },
          ],
        },
      ],
    });
    expect((await http(server.url, 'GET', `/v1/invoices/${id}/sync`, { key: KEY_B })).status).toBe(404);
    expect((await http(server.url, 'GET', `/v1/invoices/${id}/sync`)).status).toBe(401);
  });

  it('logs say what was refused, never a secret', () => {
    const text = JSON.stringify(log.lines);
    expect(text).toContain('webhook refused');
    expect(text).not.toContain(SECRET_A);
    expect(text).not.toContain(SECRET_B);
  });
});

describe('without ACCRUE_PROVIDERS', () => {
  let dir: string;
  let server: RunningSyncServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accrue-nosync-'));
    server = await startSyncServer({
      ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
      ACCRUE_API_KEYS: `acme:${KEY_A}`,
    });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync is off: webhooks answer 404, the sync status of an invoice is empty, commands work as before', async () => {
    expect(server.sync).toBeUndefined();
    const reply = await http(server.url, 'POST', '/v1/webhooks/stripe', {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(404);
    expect((reply.body as any).error.code).toBe('provider_not_configured');
    const created = await http(server.url, 'POST', '/v1/invoices', { key: KEY_A, json: draftBody() });
    expect(created.status).toBe(201);
    const id = (created.body as any).id as string;
    expect((await http(server.url, 'POST', `/v1/invoices/${id}/approve`, { key: KEY_A })).status).toBe(200);
    expect((await http(server.url, 'GET', `/v1/invoices/${id}/sync`, { key: KEY_A })).body).toEqual({
      invoice_id: id,
      providers: [],
    });
  });
});
