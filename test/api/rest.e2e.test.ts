/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   the suite inspects JSON answers as the client sees them, untyped */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeWithPostgres, probePostgres } from '@accrue/adapters/postgres/testing';

import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

/**
 * The REST command API end to end: real HTTP against the real composition root, on SQLite and on PostgreSQL
 * (a fresh database per run, dropped afterwards).
 */

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';
const API_KEYS = `acme:${KEY_A},globex:${KEY_B}`;
const BODY_LIMIT = 64 * 1024;

interface StoreSetup {
  readonly env: NodeJS.ProcessEnv;
  readonly cleanup: () => Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

const draft = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  customer: {
    id: 'cust-1',
    name: 'Buyer GmbH',
    email: 'ap@buyer.example',
    vat_number: 'DE123456789',
    address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
  },
  currency: 'EUR',
  issue_date: '2026-03-01',
  payment_terms_days: 14,
  lines: [
    {
      description: 'Consulting',
      quantity: '10',
      unit_price: '100.00',
      unit_code: 'HUR',
      tax_category: 'S',
      tax_rate: '19',
    },
    {
      description: 'Travel',
      quantity: '1',
      unit_price: '200.00',
      tax_category: 'S',
      tax_rate: '19',
      allowances: [{ percent: '10', reason: 'loyalty' }],
    },
  ],
  notes: 'Thank you',
  reference: 'PO-42',
  ...overrides,
});

const restSuite = (setup: () => Promise<StoreSetup>): void => {
  let store: StoreSetup;
  let server: RunningServer;
  let keyCounter = 0;

  const call = async (
    method: string,
    path: string,
    options: {
      readonly body?: unknown;
      readonly raw?: string;
      readonly key?: string | null;
      readonly idempotencyKey?: string;
      readonly headers?: Record<string, string>;
    } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? KEY_A : options.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let payload: string | undefined = options.raw;
    if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (UBL, docs page)
    }
    return { status: response.status, body, headers: response.headers };
  };

  const post = (path: string, body?: unknown, options: { key?: string | null } = {}): Promise<Reply> =>
    call('POST', path, { body, idempotencyKey: `k-${String(++keyCounter)}`, ...options });

  const logSize = async (): Promise<number> => {
    const batch = await server.runtime.store.readAll({ maxCount: 1_000_000 })();
    if (E.isLeft(batch)) throw new Error(batch.left._tag);
    return batch.right.events.length;
  };

  const start = async (): Promise<void> => {
    server = await startServer({
      ...store.env,
      ACCRUE_API_KEYS: API_KEYS,
      ACCRUE_BODY_LIMIT: String(BODY_LIMIT),
      ACCRUE_SELLER_NAME: 'Seller AB',
      ACCRUE_SELLER_COUNTRY: 'SE',
      ACCRUE_SELLER_VAT: 'SE556677889901',
    });
  };

  beforeAll(async () => {
    store = await setup();
    await start();
  });

  afterAll(async () => {
    await server.stop();
    await store.cleanup();
  });

  const createInvoice = async (overrides: Record<string, unknown> = {}): Promise<any> => {
    const created = await post('/v1/invoices', draft(overrides));
    expect(created.status).toBe(201);
    return created.body;
  };

  const issuedInvoice = async (): Promise<any> => {
    const invoice = await createInvoice();
    const approved = await post(`/v1/invoices/${String(invoice.id)}/approve`);
    expect(approved.status).toBe(200);
    return approved.body;
  };

  it('runs the whole lifecycle: create, patch, approve, send, pay in part, credit, pay in full', async () => {
    const created = await post('/v1/invoices', draft());
    expect(created.status).toBe(201);
    const invoice = created.body;
    expect(invoice).toMatchObject({
      number: null,
      status: 'draft',
      currency: 'EUR',
      issue_date: '2026-03-01',
      due_date: '2026-03-15',
      customer: { id: 'cust-1', vat_number: 'DE123456789', address: { postal_code: '10115', line2: null } },
      version: 1,
      amount_paid: '0.00',
      amount_due: null,
    });
    expect(invoice.lines.map((line: any) => [line.id, line.net_amount])).toEqual([
      ['1', '1000.00'],
      ['2', '180.00'],
    ]);
    expect(invoice.totals).toEqual({
      line_extension_amount: '1180.00',
      allowance_total_amount: '0.00',
      charge_total_amount: '0.00',
      tax_exclusive_amount: '1180.00',
      tax_amount: '224.20',
      tax_inclusive_amount: '1404.20',
      prepaid_amount: '0.00',
      payable_rounding_amount: '0.00',
      payable_amount: '1404.20',
    });
    expect(invoice.tax_breakdown).toEqual([
      { category: 'S', rate: '19', taxable_amount: '1180.00', tax_amount: '224.20' },
    ]);
    const id = String(invoice.id);

    const fetched = await call('GET', `/v1/invoices/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(invoice);

    const patched = await call('PATCH', `/v1/invoices/${id}`, {
      body: {
        lines: [
          {
            description: 'Consulting',
            quantity: '8',
            unit_price: '125.00',
            tax_category: 'S',
            tax_rate: '19',
          },
        ],
        allowances: [{ amount: '100.00', reason: 'discount', tax_category: 'S', tax_rate: '19' }],
        notes: null,
      },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ version: 2, notes: null, reference: 'PO-42', status: 'draft' });
    expect(patched.body.totals).toMatchObject({
      line_extension_amount: '1000.00',
      allowance_total_amount: '100.00',
      tax_exclusive_amount: '900.00',
      tax_amount: '171.00',
      payable_amount: '1071.00',
    });

    const approved = await post(`/v1/invoices/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.number).toMatch(/^INV-2026-\d{6}$/);
    expect(approved.body.amount_due).toBe('1071.00');
    expect(approved.body.totals).toEqual(patched.body.totals);

    const sent = await post(`/v1/invoices/${id}/send`, { channel: 'email' });
    expect(sent.status).toBe(200);
    expect(sent.body.status).toBe('sent');

    const partial = await post(`/v1/invoices/${id}/payments`, {
      amount: '500.00',
      paid_at: '2026-03-05T10:00:00Z',
      reference: 'bank-1',
    });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({
      status: 'partially_paid',
      amount_paid: '500.00',
      amount_due: '571.00',
    });

    const credit = await post(`/v1/invoices/${id}/credit-notes`, { amount: '71.00', reason: 'goodwill' });
    expect(credit.status).toBe(201);
    expect(credit.body.credit_note).toMatchObject({
      number: expect.stringMatching(/^CN-\d{4}-\d{6}$/),
      invoice_id: id,
      invoice_number: approved.body.number,
      reason: 'goodwill',
    });
    expect(credit.body.credit_note.totals.payable_amount).toBe('71.00');
    expect(credit.body.invoice).toMatchObject({ amount_credited: '71.00', amount_due: '500.00' });

    const final = await post(`/v1/invoices/${id}/payments`, {
      amount: '500.00',
      paid_at: '2026-03-10T10:00:00Z',
    });
    expect(final.status).toBe(200);
    expect(final.body).toMatchObject({ status: 'paid', amount_paid: '1000.00', amount_due: '0.00' });

    // Read-your-writes: a GET right after the last command shows it.
    const after = await call('GET', `/v1/invoices/${id}`);
    expect(after.body).toEqual(final.body);
    expect(after.headers.get('etag')).toBe(`"${String(final.body.version)}"`);

    const events = await call('GET', `/v1/invoices/${id}/events`);
    expect(events.status).toBe(200);
    expect(events.body.events.map((event: any) => event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceDraftRevised',
      'InvoiceApproved',
      'InvoiceSent',
      'PaymentRecorded',
      'CreditNoteApplied',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
    const trail = events.body.events as Array<{ prev_hash: string | null; hash: string }>;
    trail.forEach((event, i) => {
      expect(event.prev_hash).toBe(i === 0 ? null : trail[i - 1]!.hash);
    });

    const ubl = await call('GET', `/v1/invoices/${id}/ubl`);
    expect(ubl.status).toBe(200);
    expect(typeof ubl.body).toBe('string');
    const xml = ubl.body as string;
    expect(xml).toContain('<cbc:CustomizationID>');
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">');
    expect(xml).toContain('Seller AB');
  });

  it('voids one issued invoice and writes off another', async () => {
    const toVoid = await issuedInvoice();
    const voided = await post(`/v1/invoices/${String(toVoid.id)}/void`, { reason: 'issued by mistake' });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ status: 'void', amount_due: '0.00' });

    const toWriteOff = await issuedInvoice();
    const id = String(toWriteOff.id);
    expect(
      (await post(`/v1/invoices/${id}/payments`, { amount: '4.20', paid_at: '2026-03-02T08:00:00Z' })).status,
    ).toBe(200);
    const writtenOff = await post(`/v1/invoices/${id}/write-off`, { reason: 'customer insolvent' });
    expect(writtenOff.status).toBe(200);
    expect(writtenOff.body).toMatchObject({
      status: 'uncollectible',
      amount_paid: '4.20',
      amount_written_off: '1400.00',
      amount_due: '0.00',
    });
  });

  it('answers a retry with the same key and body with the first response, and appends nothing', async () => {
    const body = draft({ reference: 'retry-me' });
    const first = await call('POST', '/v1/invoices', { body, idempotencyKey: 'create-once' });
    expect(first.status).toBe(201);
    const size = await logSize();
    const again = await call('POST', '/v1/invoices', { body, idempotencyKey: 'create-once' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await logSize()).toBe(size);

    const id = String(first.body.id);
    const payment = { amount: '100.00', paid_at: '2026-03-02T08:00:00Z' };
    await post(`/v1/invoices/${id}/approve`);
    const paid = await call('POST', `/v1/invoices/${id}/payments`, {
      body: payment,
      idempotencyKey: 'pay-once',
    });
    expect(paid.status).toBe(200);
    const sizeAfterPayment = await logSize();
    const paidAgain = await call('POST', `/v1/invoices/${id}/payments`, {
      body: payment,
      idempotencyKey: 'pay-once',
    });
    expect(paidAgain.body).toEqual(paid.body);
    expect(paidAgain.body.amount_paid).toBe('100.00');
    expect(await logSize()).toBe(sizeAfterPayment);

    // Same key, another body: refused, nothing appended.
    const other = await call('POST', `/v1/invoices/${id}/payments`, {
      body: { ...payment, amount: '200.00' },
      idempotencyKey: 'pay-once',
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(await logSize()).toBe(sizeAfterPayment);

    // Another tenant may use the same key for its own request.
    const theirs = await call('POST', '/v1/invoices', { body, idempotencyKey: 'create-once', key: KEY_B });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  it('keeps idempotency across a restart', async () => {
    const body = draft({ reference: 'restart' });
    const first = await call('POST', '/v1/invoices', { body, idempotencyKey: 'across-restart' });
    expect(first.status).toBe(201);
    await server.stop();
    await start();
    const size = await logSize();
    const again = await call('POST', '/v1/invoices', { body, idempotencyKey: 'across-restart' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await logSize()).toBe(size);
    const other = await call('POST', '/v1/invoices', {
      body: { ...body, reference: 'changed' },
      idempotencyKey: 'across-restart',
    });
    expect(other.status).toBe(409);
  });

  it('refuses malformed and invalid input with 400 and field paths, and the log is unchanged', async () => {
    const size = await logSize();
    const line = { quantity: '1', unit_price: '10.00', tax_category: 'S', tax_rate: '19' };
    const cases: ReadonlyArray<{ body?: unknown; raw?: string; path: string | undefined }> = [
      { body: draft({ lines: [{ ...line, unit_price: 10.5 }] }), path: 'lines[0].unit_price' },
      { body: draft({ lines: [{ ...line, quantity: 1 }] }), path: 'lines[0].quantity' },
      { body: draft({ lines: [line, { ...line, tax_category: 'X' }] }), path: 'lines[1].tax_category' },
      { body: draft({ surprise: true }), path: 'surprise' },
      { body: draft({ issue_date: '2026-02-30' }), path: 'issue_date' },
      { body: draft({ currency: 'EURO' }), path: 'currency' },
      { body: draft({ currency: 'XAU' }), path: 'currency' },
      { body: draft({ notes: 'x'.repeat(20_000) }), path: 'notes' },
      { body: draft({ lines: Array.from({ length: 501 }, () => ({})) }), path: 'lines' },
      {
        body: draft({
          customer: {
            id: 'c',
            name: 'n',
            address: { line1: 'a', city: 'b', postal_code: '1', country: 'de' },
          },
        }),
        path: 'customer.address.country',
      },
      {
        body: draft({ lines: [{ ...line, allowances: [{ amount: '1', percent: '2' }] }] }),
        path: 'lines[0].allowances[0].percent',
      },
      { body: draft({ due_date: '2026-04-01' }), path: 'payment_terms_days' },
      { body: draft({ lines: [[[[[[[[[[]]]]]]]]]] }), path: 'lines[0]' },
      {
        body: {
          customer: { id: 'c', name: 'n' },
          currency: 'EUR',
          lines: [],
          extra: { a: { b: { c: { d: {} } } } },
        },
        path: 'extra',
      },
      { body: [1, 2, 3], path: '' },
      { body: 'a string', path: '' },
      { raw: '{"customer": ', path: undefined },
    ];
    for (const testCase of cases) {
      const reply = await call('POST', '/v1/invoices', {
        ...(testCase.raw === undefined ? { body: testCase.body } : { raw: testCase.raw }),
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.error.code).toMatch(/^(invalid_request|bad_request)$/);
      if (testCase.path !== undefined)
        expect(
          reply.body.error.details.map((d: any) => d.path),
          JSON.stringify(reply.body),
        ).toContain(testCase.path);
    }
    const invoice = await createInvoice();
    const id = String(invoice.id);
    const payment = await post(`/v1/invoices/${id}/payments`, { amount: 12.5, paid_at: 'yesterday' });
    expect(payment.status).toBe(400);
    expect(payment.body.error.details.map((d: any) => d.path).sort()).toEqual(['amount', 'paid_at']);
    const badKey = await call('POST', `/v1/invoices/${id}/approve`, { idempotencyKey: 'x'.repeat(300) });
    expect(badKey.status).toBe(400);
    expect(await logSize()).toBe(size + 1);
  });

  it('answers 401 without a key or with a bad one; /openapi.json and /docs are public', async () => {
    const none = await call('GET', '/v1/invoices/anything', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthenticated');
    const bad = await call('POST', '/v1/invoices', { key: 'not-a-real-key-000000', body: draft() });
    expect(bad.status).toBe(401);
    const openapi = await call('GET', '/openapi.json', { key: null });
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(
      openapi.body.components.schemas.CreateInvoice.properties.lines.items.properties.unit_price.type,
    ).toBe('string');
    expect(Object.keys(openapi.body.paths)).toContain('/v1/invoices/{id}/credit-notes');
    const docs = await call('GET', '/docs', { key: null });
    expect(docs.status).toBeLessThan(400);
  });

  it("answers 404 for unknown invoices and for another tenant's, on every route", async () => {
    const invoice = await issuedInvoice();
    const id = String(invoice.id);
    const size = await logSize();
    const asB = { key: KEY_B };
    const attempts: ReadonlyArray<Promise<Reply>> = [
      call('GET', `/v1/invoices/${id}`, asB),
      call('GET', `/v1/invoices/${id}/events`, asB),
      call('GET', `/v1/invoices/${id}/ubl`, asB),
      call('PATCH', `/v1/invoices/${id}`, { ...asB, body: { notes: 'mine now' } }),
      post(`/v1/invoices/${id}/approve`, undefined, asB),
      post(`/v1/invoices/${id}/send`, { channel: 'email' }, asB),
      post(`/v1/invoices/${id}/payments`, { amount: '1.00', paid_at: '2026-03-02T08:00:00Z' }, asB),
      post(`/v1/invoices/${id}/void`, { reason: 'x' }, asB),
      post(`/v1/invoices/${id}/write-off`, { reason: 'x' }, asB),
      post(`/v1/invoices/${id}/credit-notes`, { amount: '1.00', reason: 'x' }, asB),
      call('GET', '/v1/invoices/no-such-invoice'),
      call('GET', '/v1/invoices/%E2%80%8B'),
      post('/v1/invoices/no-such-invoice/approve'),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status, JSON.stringify(reply.body)).toBe(404);
      expect(reply.body.error.code).toMatch(/^(not_found|invoice_not_found)$/);
    }
    expect(await logSize()).toBe(size);
    expect((await call('GET', `/v1/invoices/${id}`)).status).toBe(200);
  });

  it('answers 409 on a version conflict', async () => {
    const invoice = await createInvoice();
    const id = String(invoice.id);
    const stale = await call('PATCH', `/v1/invoices/${id}`, {
      body: { notes: 'a' },
      headers: { 'if-match': '"7"' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    const current = await call('PATCH', `/v1/invoices/${id}`, {
      body: { notes: 'b' },
      headers: { 'if-match': '1' },
    });
    expect(current.status).toBe(200);
  });

  it('answers 413 over the body limit', async () => {
    const reply = await call('POST', '/v1/invoices', {
      raw: JSON.stringify({ notes: 'x'.repeat(BODY_LIMIT + 10) }),
    });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe('payload_too_large');
  });

  it('answers 422 with the domain rule when a command is refused', async () => {
    const invoice = await issuedInvoice();
    const id = String(invoice.id);
    const size = await logSize();
    const patch = await call('PATCH', `/v1/invoices/${id}`, { body: { notes: 'late' } });
    expect(patch.status).toBe(422);
    expect(patch.body.error.code).toBe('invoice_not_draft');
    const over = await post(`/v1/invoices/${id}/payments`, {
      amount: '99999.00',
      paid_at: '2026-03-02T08:00:00Z',
    });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('overpayment');
    const precision = await post(`/v1/invoices/${id}/payments`, {
      amount: '1.001',
      paid_at: '2026-03-02T08:00:00Z',
    });
    expect(precision.status).toBe(422);
    expect(precision.body.error.code).toBe('amount_precision_exceeded');
    const tooMuchCredit = await post(`/v1/invoices/${id}/credit-notes`, { amount: '99999.00', reason: 'x' });
    expect(tooMuchCredit.status).toBe(422);
    expect(tooMuchCredit.body.error.code).toBe('credit_exceeds_amount_due');
    const draftInvoice = await createInvoice({ lines: [] });
    const empty = await post(`/v1/invoices/${String(draftInvoice.id)}/approve`);
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('invoice_has_no_lines');
    const credit = await post(`/v1/invoices/${String(draftInvoice.id)}/credit-notes`, {
      amount: '1.00',
      reason: 'x',
    });
    expect(credit.status).toBe(422);
    expect(credit.body.error.code).toBe('invoice_not_creditable');
    expect(await logSize()).toBe(size + 1);
  });
};

describe('REST API on SQLite', () => {
  restSuite(() => {
    const dir = mkdtempSync(join(tmpdir(), 'accrue-rest-'));
    return Promise.resolve({
      env: { ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}` },
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  });
});

const postgres = await probePostgres();

describeWithPostgres(postgres, 'REST API on PostgreSQL', (url) => {
  restSuite(async () => {
    const database = `accrue_rest_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${database}`;
    return {
      env: { ACCRUE_STORE: target.toString() },
      cleanup: async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await client.end();
      },
    };
  });
});
