/**
 * The sync process manager against a fake provider, on a memory log with SQLite tables and a manual clock:
 * what is asked of providers for which invoice events, in which order, with which retries, and that every
 * invoice ends with exactly one effect at the provider whatever fails and whoever restarts.
 */
import type { EventStore, ProviderSyncEvent } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';
import type { ReadModelStore } from '@accrue/projections';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { inboundActor } from '../../packages/api/src/sync/index.js';
import type { FakeProvider } from './support/fakeProvider.js';
import { createFakeProvider, fakeRegistry, signFakeWebhook } from './support/fakeProvider.js';
import type { World } from './support/world.js';
import { TENANT, createWorld, describeSync } from './support/world.js';

const SECRET = 'whsec_fake_0123456789';
const stripeConnection = { tenantId: TENANT, provider: 'stripe', webhookSecret: SECRET };

const failedEvent = (events: ReadonlyArray<ProviderSyncEvent>, attempt: number) => {
  const found = events.find((event) => event.type === 'ProviderSyncFailed' && event.data.attempt === attempt);
  if (found?.type !== 'ProviderSyncFailed') throw new Error(`no failure of attempt ${String(attempt)}`);
  return found.data;
};

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('provider sync: what is pushed, in order', () => {
  let fake: FakeProvider;
  let world: World;
  beforeEach(async () => {
    fake = createFakeProvider('stripe');
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
    });
    await world.sync.settle();
  });
  afterEach(async () => {
    await world.close();
  });

  it('given a connection, when an invoice is approved: it is issued once, with its payable amount, and recorded', async () => {
    await world.createApproved('inv-1', '100.00');
    await world.sync.settle();

    expect(fake.invoices.size).toBe(1);
    const [issued] = fake.invoices.values();
    expect(issued).toMatchObject({
      number: 'INV-2026-000001',
      currency: 'EUR',
      payableAmount: 11900n,
      status: 'issued',
    });
    const events = await world.syncEvents('inv-1', 'stripe');
    expect(describeSync(events)).toEqual(['Requested issue 1', 'Succeeded issue 1']);
    expect(events[1]?.type === 'ProviderSyncSucceeded' && events[1].data).toMatchObject({
      externalId: issued?.externalId,
      paymentLink: `https://pay.fake/${issued?.externalId ?? ''}`,
    });
  });

  it('sends, mirrors each payment and knows which one settles, in the order they happened', async () => {
    await world.createApproved('inv-1', '100.00');
    await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
    await world.invoiceCommand('inv-1', 'RecordPayment', {
      paymentId: 'bank-1',
      amount: '50.00',
      currency: 'EUR',
      paidAt: '2026-11-22T10:00:00Z',
    });
    await world.invoiceCommand('inv-1', 'RecordPayment', {
      paymentId: 'bank-2',
      amount: '69.00',
      currency: 'EUR',
      paidAt: '2026-11-23T10:00:00Z',
    });
    await world.sync.settle();

    expect(fake.calls.map((call) => call.operation)).toEqual([
      'issue',
      'send',
      'recordPayment',
      'recordPayment',
    ]);
    const [invoice] = fake.invoices.values();
    expect(invoice?.status).toBe('paid');
    expect(invoice?.payments).toEqual([
      { paymentId: 'bank-1', amount: 5000n },
      { paymentId: 'bank-2', amount: 6900n },
    ]);
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual([
      'Requested issue 1',
      'Requested send 1',
      'Requested recordPayment 1',
      'Requested recordPayment 1',
      'Succeeded issue 1',
      'Succeeded send 1',
      'Succeeded recordPayment 1',
      'Succeeded recordPayment 1',
    ]);
  });

  it('a void voids it there; a write-off marks it uncollectible there', async () => {
    await world.createApproved('inv-1');
    await world.createApproved('inv-2');
    await world.invoiceCommand('inv-1', 'VoidInvoice', { reason: 'Issued in error' });
    await world.invoiceCommand('inv-2', 'WriteOffInvoice', { reason: 'Customer insolvent' });
    await world.sync.settle();

    expect(fake.byNumber('INV-2026-000001')?.status).toBe('void');
    expect(fake.byNumber('INV-2026-000002')?.status).toBe('uncollectible');
  });

  it('more invoices due at once than streams worked on at once (4): every one is issued, once', async () => {
    for (let i = 1; i <= 9; i += 1) fake.fail('issue', { kind: 'unavailable' });
    for (let i = 1; i <= 9; i += 1) await world.createApproved(`inv-${String(i)}`);
    await world.sync.settle();
    expect(fake.invoices.size).toBe(0);
    // All nine retries fall due together.
    world.clock.advance(1000);
    await world.sync.settle();
    expect(fake.invoices.size).toBe(9);
    expect(fake.effects).toHaveLength(9);
  });

  it('each operation sends one idempotency key, derived from its invoice event, different per operation', async () => {
    await world.createApproved('inv-1');
    await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
    await world.sync.settle();
    const keys = fake.calls.map((call) => call.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
    for (const key of keys)
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('a tenant without a connection is left alone', async () => {
    await world.invoiceCommand(
      'inv-x',
      'CreateDraftInvoice',
      {
        currency: 'EUR',
        customer: { id: 'c', name: 'C' },
        lines: [{ id: '1', quantity: '1', netPrice: '5.00', vat: { category: 'S', rate: '19' } }],
      },
      { tenantId: 'globex' },
    );
    await world.sync.settle();
    expect(fake.calls).toEqual([]);
  });

  it('a payment the provider reported itself is recorded once and not mirrored back to it (no echo)', async () => {
    await world.createApproved('inv-1', '100.00');
    await world.sync.settle();
    const externalId = [...fake.invoices.keys()][0] ?? '';
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'payment',
      data: { external_id: externalId, amount: '11900', currency: 'EUR', paid_at: '2026-11-22T08:00:00Z' },
    });
    const delivery = {
      provider: 'stripe',
      rawBody: Buffer.from(body),
      headers: signFakeWebhook(body, SECRET, world.clock.date()),
    };

    expect(await world.sync.handleWebhook(delivery)).toMatchObject({
      _tag: 'Recorded',
      kind: 'payment',
      duplicate: false,
    });
    expect(await world.sync.handleWebhook(delivery)).toMatchObject({ _tag: 'Recorded', duplicate: true });
    await world.sync.settle();

    const invoiceEvents = await world.invoiceEvents('inv-1');
    expect(invoiceEvents.map((event) => event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
    expect(invoiceEvents[2]?.type === 'PaymentRecorded' && invoiceEvents[2].data.paymentId).toBe(
      'stripe:evt_1',
    );
    expect(fake.calls.map((call) => call.operation)).toEqual(['issue']);
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual([
      'Requested issue 1',
      'Succeeded issue 1',
    ]);
    expect(inboundActor('stripe', 'webhook')).toBe('provider-webhook:stripe');
  });

  it('an invoice approved before the sync began is not pushed; when it is paid later, it is issued first', async () => {
    const before = createFakeProvider('stripe');
    const fresh = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', before),
    });
    try {
      // Approved while no sync ran: the first start takes the log's end as its origin.
      await fresh.createApproved('inv-a', '10.00');
      await fresh.sync.settle();
      expect(before.calls).toEqual([]);

      await fresh.invoiceCommand('inv-a', 'RecordPayment', {
        paymentId: 'bank-1',
        amount: '11.90',
        currency: 'EUR',
        paidAt: '2026-11-22T10:00:00Z',
      });
      await fresh.sync.settle();
      expect(before.calls.map((call) => call.operation)).toEqual(['issue', 'recordPayment']);
      expect(before.byNumber('INV-2026-000001')?.status).toBe('paid');
    } finally {
      await fresh.close();
    }
  });
});

describe('provider sync: operations the adapter does not support', () => {
  it('are never asked for', async () => {
    const fake = createFakeProvider('incard', { supports: [] });
    const world = await createWorld({
      connections: [{ tenantId: TENANT, provider: 'incard', webhookSecret: SECRET }],
      registry: fakeRegistry('incard', fake),
    });
    try {
      await world.sync.settle();
      await world.createApproved('inv-1');
      await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
      await world.invoiceCommand('inv-1', 'VoidInvoice', { reason: 'Wrong customer' });
      await world.sync.settle();
      expect(fake.calls.map((call) => call.operation)).toEqual(['issue']);
      expect(describeSync(await world.syncEvents('inv-1', 'incard'))).toEqual([
        'Requested issue 1',
        'Succeeded issue 1',
      ]);
    } finally {
      await world.close();
    }
  });
});

describe('provider sync: failures and retries', () => {
  let fake: FakeProvider;
  let world: World;
  beforeEach(async () => {
    fake = createFakeProvider('stripe');
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
    });
    await world.sync.settle();
  });
  afterEach(async () => {
    await world.close();
  });

  it('retries an outage with exponential backoff and jitter, and the invoice ends issued once', async () => {
    fake.fail('issue', { kind: 'unavailable' });
    fake.fail('issue', { kind: 'unavailable' });
    await world.createApproved('inv-1');
    await world.sync.settle();

    let events = await world.syncEvents('inv-1', 'stripe');
    const first = failedEvent(events, 1);
    // Base 1 s, jitter draw 0: the full delay.
    expect(first).toMatchObject({ retryable: true, nextAttemptAt: plus(first.failedAt, 1000) });
    expect(first.error).toContain('503');

    world.clock.advance(999);
    await world.sync.settle();
    expect(fake.calls).toHaveLength(1);

    world.clock.advance(1);
    await world.sync.settle();
    events = await world.syncEvents('inv-1', 'stripe');
    const second = failedEvent(events, 2);
    // 2 s, less a draw of 0.25 × jitter 0.5 of it.
    expect(second.nextAttemptAt).toBe(plus(second.failedAt, 1750));

    world.clock.advance(1750);
    await world.sync.settle();
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual([
      'Requested issue 1',
      'Failed issue 1 retry',
      'Requested issue 2',
      'Failed issue 2 retry',
      'Requested issue 3',
      'Succeeded issue 3',
    ]);
    expect(fake.calls).toHaveLength(3);
    expect(new Set(fake.calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(fake.effects).toHaveLength(1);
    expect(fake.invoices.size).toBe(1);
  });

  it('honours Retry-After: not one millisecond sooner', async () => {
    fake.fail('issue', { kind: 'unavailable', retryAfterMs: 7000 });
    await world.createApproved('inv-1');
    await world.sync.settle();
    const failure = failedEvent(await world.syncEvents('inv-1', 'stripe'), 1);
    expect(failure.nextAttemptAt).toBe(plus(failure.failedAt, 7000));

    world.clock.advance(6999);
    await world.sync.settle();
    expect(fake.calls).toHaveLength(1);
    world.clock.advance(1);
    await world.sync.settle();
    expect(fake.calls).toHaveLength(2);
    expect(fake.invoices.size).toBe(1);
  });

  it('a timeout after the provider acted: the retry (same key) finds what it did, one invoice there', async () => {
    fake.fail('issue', { kind: 'unavailable', afterEffect: true });
    await world.createApproved('inv-1');
    await world.sync.settle();
    expect(fake.invoices.size).toBe(1);
    world.clock.advance(1000);
    await world.sync.settle();
    expect(fake.invoices.size).toBe(1);
    expect(fake.effects).toHaveLength(1);
    const events = await world.syncEvents('inv-1', 'stripe');
    const last = events.at(-1);
    expect(last?.type === 'ProviderSyncSucceeded' && last.data.externalId).toBe([...fake.invoices.keys()][0]);
  });

  it('a refusal is final at once, and what needs the issue is failed for good too, without calling', async () => {
    fake.fail('issue', { kind: 'rejected', message: 'customer has no email' });
    await world.createApproved('inv-1');
    await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
    await world.sync.settle();

    const events = await world.syncEvents('inv-1', 'stripe');
    expect(describeSync(events)).toEqual([
      'Requested issue 1',
      'Requested send 1',
      'Failed issue 1 final',
      'Failed send 1 final',
    ]);
    expect(failedEvent(events, 1)).toMatchObject({ retryable: false, error: 'customer has no email' });
    expect(fake.calls.map((call) => call.operation)).toEqual(['issue']);
    expect(world.sync.executor.scheduled()).toEqual([]);
  });

  it('stops after the last attempt allowed: that failure is final and nothing stays scheduled', async () => {
    for (let i = 0; i < 5; i += 1) fake.fail('issue', { kind: 'unavailable' });
    await world.createApproved('inv-1');
    await world.sync.settle();
    for (let i = 0; i < 5; i += 1) {
      world.clock.advance(60_000);
      await world.sync.settle();
    }
    const events = await world.syncEvents('inv-1', 'stripe');
    expect(events.filter((event) => event.type === 'ProviderSyncRequested')).toHaveLength(5);
    expect(failedEvent(events, 5)).toMatchObject({ retryable: true, nextAttemptAt: null });
    expect(fake.calls).toHaveLength(5);
    expect(fake.invoices.size).toBe(0);
    expect(world.sync.executor.scheduled()).toEqual([]);
  });

  it('an adapter that throws is retried, and the secrets in its message are neither stored nor logged', async () => {
    fake.fail('issue', { kind: 'throw', message: `connection reset while sending ${SECRET}` });
    await world.createApproved('inv-1');
    await world.sync.settle();
    const events = await world.syncEvents('inv-1', 'stripe');
    expect(failedEvent(events, 1)).toMatchObject({
      retryable: true,
      error: 'the stripe adapter failed unexpectedly',
    });
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(world.log.lines)).not.toContain(SECRET);
    expect(JSON.stringify(world.log.lines)).toContain('[redacted]');
    world.clock.advance(1000);
    await world.sync.settle();
    expect(fake.invoices.size).toBe(1);
  });

  it('a later operation waits while an earlier one is retried (send before payment)', async () => {
    fake.fail('send', { kind: 'unavailable', retryAfterMs: 30_000 });
    await world.createApproved('inv-1', '100.00');
    await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
    await world.invoiceCommand('inv-1', 'RecordPayment', {
      paymentId: 'p-1',
      amount: '10.00',
      currency: 'EUR',
      paidAt: '2026-11-22T10:00:00Z',
    });
    await world.sync.settle();
    expect(fake.calls.map((call) => call.operation)).toEqual(['issue', 'send']);
    world.clock.advance(30_000);
    await world.sync.settle();
    expect(fake.calls.map((call) => call.operation)).toEqual(['issue', 'send', 'send', 'recordPayment']);
  });
});

/** The log as the sync sees it, with appends of one event type failing (the process dies before recording). */
const failingAppends =
  (type: string) =>
  (store: EventStore): EventStore => ({
    ...store,
    readStream: (...args) => store.readStream(...args),
    readAll: (options) => store.readAll(options),
    follow: (options) => store.follow(options),
    close: () => store.close(),
    appendToStream: (stream, expected, events) =>
      events.some((event) => event.type === type)
        ? () => Promise.resolve(E.left(storeUnavailable('append', new Error('disk gone'))))
        : store.appendToStream(stream, expected, events),
  });

describe('provider sync: restarts', () => {
  let fake: FakeProvider;
  let world: World;
  beforeEach(() => {
    fake = createFakeProvider('stripe');
  });
  afterEach(async () => {
    await world.close();
  });

  it('after a restart nothing already synced is asked for or called again, and new work goes on', async () => {
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
    });
    await world.sync.settle();
    await world.createApproved('inv-1');
    await world.invoiceCommand('inv-1', 'SendInvoice', { channel: 'email' });
    await world.sync.settle();
    const before = (await world.syncEvents('inv-1', 'stripe')).length;

    await world.restart();
    await world.createApproved('inv-2');
    await world.sync.settle();

    expect(await world.syncEvents('inv-1', 'stripe')).toHaveLength(before);
    expect(fake.calls.map((call) => call.operation)).toEqual(['issue', 'send', 'issue']);
    expect(fake.invoices.size).toBe(2);
  });

  it('a crash between the provider acting and its outcome being recorded: the restart calls again with the same key, one effect', async () => {
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
      storeForSync: failingAppends('ProviderSyncSucceeded'),
    });
    await world.sync.settle();
    await world.createApproved('inv-1');
    await world.sync.settle();
    expect(fake.invoices.size).toBe(1);
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual(['Requested issue 1']);

    await world.restart({ storeForSync: (store) => store });
    await world.sync.settle();

    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual([
      'Requested issue 1',
      'Succeeded issue 1',
    ]);
    expect(fake.calls).toHaveLength(2);
    expect(new Set(fake.calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(fake.effects).toHaveLength(1);
    expect(fake.invoices.size).toBe(1);
  });

  it('a crash between asking for an operation and checkpointing: the redelivered event asks for nothing more', async () => {
    let failures = 1;
    const flaky = (readModels: ReadModelStore): ReadModelStore => ({
      ...readModels,
      transaction: (work) => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('read-model database unavailable'));
        }
        return readModels.transaction(work);
      },
    });
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
    });
    await world.sync.settle();
    await world.restart({ readModelsForSync: flaky });
    await world.createApproved('inv-1');
    await expect(world.sync.settle()).rejects.toThrow('read-model database unavailable');
    // The request was appended, the checkpoint did not move: the next pass sees the approval again.
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual(['Requested issue 1']);

    await world.sync.settle();
    expect(describeSync(await world.syncEvents('inv-1', 'stripe'))).toEqual([
      'Requested issue 1',
      'Succeeded issue 1',
    ]);
    expect(fake.invoices.size).toBe(1);
  });

  it('a retry scheduled before a restart is carried out after it, at its time', async () => {
    world = await createWorld({
      connections: [stripeConnection],
      registry: fakeRegistry('stripe', fake),
    });
    await world.sync.settle();
    fake.fail('issue', { kind: 'unavailable', retryAfterMs: 10_000 });
    await world.createApproved('inv-1');
    await world.sync.settle();
    await world.restart();
    await world.sync.settle();
    expect(fake.calls).toHaveLength(1);
    world.clock.advance(10_000);
    await world.sync.settle();
    expect(fake.calls).toHaveLength(2);
    expect(fake.invoices.size).toBe(1);
  });
});

describe('provider sync: Dollr is polled', () => {
  let fake: FakeProvider;
  let world: World;
  beforeEach(async () => {
    fake = createFakeProvider('dollr', { supports: ['void'], polled: true });
    world = await createWorld({
      connections: [{ tenantId: TENANT, provider: 'dollr' }],
      registry: fakeRegistry('dollr', fake, { webhooks: false }),
    });
    await world.sync.settle();
  });
  afterEach(async () => {
    await world.close();
  });

  it('a paid invoice becomes one payment, with a payment id from the provider, and is not polled any more', async () => {
    await world.createApproved('inv-1', '100.00');
    await world.sync.settle();
    await world.sync.pollOnce();
    expect(fake.polls()).toBe(1);
    expect((await world.invoiceEvents('inv-1')).map((event) => event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
    ]);

    const invoice = [...fake.invoices.values()][0];
    if (invoice === undefined) throw new Error('not issued');
    invoice.polled = {
      externalId: invoice.externalId,
      status: 'paid',
      paidAmount: 11900n,
      paidAt: '2026-11-22T09:00:00.000Z',
      providerPaymentId: 'pp-77',
    };
    await world.sync.pollOnce();
    await world.sync.pollOnce();
    await world.sync.settle();

    const events = await world.invoiceEvents('inv-1');
    expect(events.map((event) => event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
    expect(events[2]?.type === 'PaymentRecorded' && events[2].data).toMatchObject({
      paymentId: 'dollr:pp-77',
      amount: '119.00',
    });
    const polls = fake.polls();
    await world.sync.pollOnce();
    expect(fake.polls()).toBe(polls);
  });

  it('polls on its interval of the sync clock once started', async () => {
    await world.sync.start();
    await world.createApproved('inv-1');
    await world.sync.settle();
    expect(fake.invoices.size).toBe(1);
    expect(fake.polls()).toBe(0);
    world.clock.advance(60_000);
    await world.sync.settle();
    await world.sync.stop();
    expect(fake.polls()).toBe(1);
  });
});
