/**
 * GraphQL answers equal REST answers on PostgreSQL: the real composition root on a fresh database (created and
 * dropped per run), invoices written through the REST command API through a small lifecycle (draft, approved,
 * partly paid, credited, paid), then `invoice(id)` compared with `GET /v1/invoices/{id}` field by field
 * (camelCase against snake_case) and `invoices(...)` listing the same invoices. Skips, with the reason, without a
 * PostgreSQL server; fails instead under `ACCRUE_REQUIRE_POSTGRES=1`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeWithPostgres, probePostgres } from '@accrue/adapters/postgres/testing';

import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

const KEY_A = 'tenant-a-key-0123456789';
const KEY_B = 'tenant-b-key-0123456789';

type Json = Record<string, unknown>;

interface Reply {
  readonly status: number;
  readonly body: Json;
}

/** Every field of the GraphQL `Invoice` (but the customer's account, which REST does not embed). */
const INVOICE_FIELDS = /* GraphQL */ `
  id number status currency series
  customer { id name email vatNumber address { line1 line2 city postalCode country } }
  issueDate dueDate paymentTermsDays pricesIncludeTax
  lines { id description quantity unitPrice baseQuantity unitCode taxCategory taxRate
          allowances { amount percent reason } charges { amount percent reason } netAmount }
  allowances { amount percent reason taxCategory taxRate }
  charges { amount percent reason taxCategory taxRate }
  notes reference
  totals { lineExtensionAmount allowanceTotalAmount chargeTotalAmount taxExclusiveAmount taxAmount
           taxInclusiveAmount prepaidAmount payableRoundingAmount payableAmount }
  taxBreakdown { category rate taxableAmount taxAmount }
  amountPaid amountCredited amountWrittenOff amountDue version
`;

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A GraphQL answer spelt as REST spells it: keys in snake_case, all the way down. */
const toSnake = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(toSnake)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), toSnake(v)]))
      : value;

const draft = (issueDate: string, customerId: string, overrides: Json = {}): Json => ({
  customer: {
    id: customerId,
    name: `Buyer ${customerId}`,
    email: 'ap@buyer.example',
    vat_number: 'DE123456789',
    address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
  },
  currency: 'EUR',
  issue_date: issueDate,
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
      charges: [{ amount: '5.00', reason: 'handling' }],
    },
    { description: 'Books', quantity: '3', unit_price: '12.50', tax_category: 'S', tax_rate: '7' },
  ],
  allowances: [{ amount: '20.00', reason: 'discount', tax_category: 'S', tax_rate: '19' }],
  notes: 'Thank you',
  reference: 'PO-42',
  ...overrides,
});

const postgres = await probePostgres();

describeWithPostgres(postgres, 'GraphQL equals REST on PostgreSQL', (url) => {
  const database = `accrue_gql_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  let server: RunningServer | undefined;
  let keyCounter = 0;
  /** Tenant A's invoices by the stage of the lifecycle they were left at. */
  const invoices: Record<string, string> = {};
  let otherTenantInvoice = '';

  const running = (): RunningServer => {
    if (server === undefined) throw new Error('the server did not start');
    return server;
  };

  const call = async (method: string, path: string, body?: unknown, key = KEY_A): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (method === 'POST') headers['idempotency-key'] = `gql-pg-${String(++keyCounter)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${running().url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const post = async (path: string, body: unknown, status = 200, key = KEY_A): Promise<Json> => {
    const reply = await call('POST', path, body, key);
    expect(reply.status, `${path}: ${JSON.stringify(reply.body)}`).toBe(status);
    return reply.body;
  };

  const rest = async (id: string, key = KEY_A): Promise<Reply> =>
    call('GET', `/v1/invoices/${id}`, undefined, key);

  const gql = async (query: string, variables: Json = {}, key = KEY_A): Promise<Json> => {
    const response = await fetch(`${running().url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as { data?: Json; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(response.status).toBe(200);
    return answer.data ?? {};
  };

  /** Waits until every read model has applied everything in the log (GraphQL reads only read models). */
  const settle = async (): Promise<void> => {
    const batch = await running().runtime.store.readAll({ maxCount: 1_000_000 })();
    if (E.isLeft(batch)) throw new Error(batch.left._tag);
    const last = batch.right.events.at(-1);
    if (last !== undefined) expect(await running().runner.waitFor(last.globalPosition, 10_000)).toBe(true);
  };

  const create = async (issueDate: string, customerId: string, key = KEY_A): Promise<string> => {
    const created = await post('/v1/invoices', draft(issueDate, customerId), 201, key);
    expect(created['status']).toBe('draft');
    return String(created['id']);
  };

  beforeAll(async () => {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    const target = new URL(url);
    target.pathname = `/${database}`;
    server = await startServer({
      ACCRUE_STORE: target.toString(),
      ACCRUE_API_KEYS: `acme:${KEY_A},globex:${KEY_B}`,
      ACCRUE_SELLER_NAME: 'Seller AB',
      ACCRUE_SELLER_COUNTRY: 'SE',
      ACCRUE_SELLER_VAT: 'SE556677889901',
    });

    // A draft, left as it is.
    invoices['draft'] = await create('2026-03-01', 'cust-1');
    // Approved (numbered, totals frozen).
    invoices['approved'] = await create('2026-03-02', 'cust-1');
    await post(`/v1/invoices/${invoices['approved']}/approve`, {});
    // Approved, sent, paid in part.
    invoices['partlyPaid'] = await create('2026-03-03', 'cust-2');
    await post(`/v1/invoices/${invoices['partlyPaid']}/approve`, {});
    await post(`/v1/invoices/${invoices['partlyPaid']}/send`, { channel: 'email' });
    await post(`/v1/invoices/${invoices['partlyPaid']}/payments`, {
      amount: '500.00',
      paid_at: '2026-03-05T10:00:00Z',
      reference: 'bank-1',
    });
    // Approved, paid in part, credited.
    invoices['credited'] = await create('2026-03-04', 'cust-2');
    await post(`/v1/invoices/${invoices['credited']}/approve`, {});
    await post(`/v1/invoices/${invoices['credited']}/payments`, {
      amount: '100.00',
      paid_at: '2026-03-06T10:00:00Z',
    });
    const credit = await post(
      `/v1/invoices/${invoices['credited']}/credit-notes`,
      { amount: '71.00', reason: 'goodwill' },
      201,
    );
    expect(credit['invoice']).toMatchObject({ amount_credited: '71.00' });
    // Approved, credited, then paid in full.
    invoices['paid'] = await create('2026-03-05', 'cust-3');
    const approved = await post(`/v1/invoices/${invoices['paid']}/approve`, {});
    await post(
      `/v1/invoices/${invoices['paid']}/credit-notes`,
      { amount: '100.00', reason: 'returned goods' },
      201,
    );
    const due = (await rest(invoices['paid'])).body['amount_due'];
    expect(due).not.toBe(approved['amount_due']);
    await post(`/v1/invoices/${invoices['paid']}/payments`, { amount: due, paid_at: '2026-03-07T10:00:00Z' });

    otherTenantInvoice = await create('2026-03-06', 'cust-1', KEY_B);
    await settle();
  });

  afterAll(async () => {
    await server?.stop();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('left each invoice at its stage of the lifecycle', async () => {
    const statuses: Record<string, unknown> = {};
    for (const [stage, id] of Object.entries(invoices)) statuses[stage] = (await rest(id)).body['status'];
    expect(statuses).toEqual({
      draft: 'draft',
      approved: 'approved',
      partlyPaid: 'partially_paid',
      credited: 'partially_paid',
      paid: 'paid',
    });
  });

  it('answers invoice(id) with exactly the REST resource GET /v1/invoices/{id}, field by field', async () => {
    for (const [stage, id] of Object.entries(invoices)) {
      const resource = await rest(id);
      expect(resource.status, stage).toBe(200);
      const answer = await gql(`query($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`, { id });
      const invoice = answer['invoice'];
      expect(invoice, stage).not.toBeNull();
      // Same fields, no more and no fewer, and the same values.
      expect(toSnake(invoice), stage).toEqual(resource.body);
    }
  });

  it('shows what the lifecycle did in both APIs alike', async () => {
    const credited = await rest(invoices['credited'] ?? '');
    expect(credited.body).toMatchObject({
      amount_paid: '100.00',
      amount_credited: '71.00',
      amount_written_off: '0.00',
    });
    const answer = await gql(
      `query($id: ID!) { invoice(id: $id) { number status amountPaid amountCredited amountDue totals { payableAmount } } }`,
      { id: invoices['credited'] },
    );
    expect(answer['invoice']).toEqual({
      number: credited.body['number'],
      status: 'partially_paid',
      amountPaid: '100.00',
      amountCredited: '71.00',
      amountDue: credited.body['amount_due'],
      totals: { payableAmount: (credited.body['totals'] as Json)['payable_amount'] },
    });
    expect(credited.body['number']).toMatch(/^INV-2026-\d{6}$/);
    const draftAnswer = await gql(`query($id: ID!) { invoice(id: $id) { number amountDue } }`, {
      id: invoices['draft'],
    });
    expect(draftAnswer['invoice']).toEqual({ number: null, amountDue: null });
  });

  it('lists the same invoices in invoices(...), each node equal to its REST resource', async () => {
    const answer = await gql(
      `{ invoices(first: 10) { edges { cursor node { ${INVOICE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    );
    const connection = answer['invoices'] as {
      edges: ReadonlyArray<{ cursor: string; node: Json }>;
      pageInfo: { hasNextPage: boolean };
    };
    expect(connection.pageInfo.hasNextPage).toBe(false);
    // Newest issue date first; the other tenant's invoice is not there.
    expect(connection.edges.map((edge) => edge.node['id'])).toEqual(
      ['paid', 'credited', 'partlyPaid', 'approved', 'draft'].map((stage) => invoices[stage]),
    );
    for (const edge of connection.edges) {
      const resource = await rest(String(edge.node['id']));
      expect(toSnake(edge.node)).toEqual(resource.body);
    }
  });

  it('filters invoices(...) by status, customer and issue date as REST reports them', async () => {
    const answer = await gql(`{
      drafts: invoices(status: draft) { edges { node { id status } } }
      partlyPaid: invoices(status: partially_paid) { edges { node { id } } }
      paid: invoices(status: paid) { edges { node { id } } }
      cust2: invoices(customerId: "cust-2") { edges { node { id customer { id } } } }
      range: invoices(from: "2026-03-02", to: "2026-03-03") { edges { node { id issueDate } } }
      page: invoices(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } }
    }`);
    const ids = (name: string): ReadonlyArray<unknown> =>
      (answer[name] as { edges: ReadonlyArray<{ node: Json }> }).edges.map((edge) => edge.node['id']);
    expect(ids('drafts')).toEqual([invoices['draft']]);
    expect([...ids('partlyPaid')].sort()).toEqual([invoices['partlyPaid'], invoices['credited']].sort());
    expect(ids('paid')).toEqual([invoices['paid']]);
    expect(ids('cust2')).toEqual([invoices['credited'], invoices['partlyPaid']]);
    expect(ids('range')).toEqual([invoices['partlyPaid'], invoices['approved']]);
    const page = answer['page'] as {
      edges: unknown[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(ids('page')).toEqual([invoices['paid'], invoices['credited']]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      'query($after: String) { invoices(first: 10, after: $after) { edges { node { id } } } }',
      { after: page.pageInfo.endCursor },
    );
    expect(
      (next['invoices'] as { edges: ReadonlyArray<{ node: Json }> }).edges.map((edge) => edge.node['id']),
    ).toEqual([invoices['partlyPaid'], invoices['approved'], invoices['draft']]);
  });

  it('keeps tenants apart in both APIs', async () => {
    expect((await rest(otherTenantInvoice)).status).toBe(404);
    expect(await gql('query($id: ID!) { invoice(id: $id) { id } }', { id: otherTenantInvoice })).toEqual({
      invoice: null,
    });
    const theirs = await rest(otherTenantInvoice, KEY_B);
    expect(theirs.status).toBe(200);
    const answer = await gql(
      `query($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`,
      { id: otherTenantInvoice },
      KEY_B,
    );
    expect(toSnake(answer['invoice'])).toEqual(theirs.body);
    const list = await gql('{ invoices { edges { node { id } } } }', {}, KEY_B);
    expect(list).toEqual({ invoices: { edges: [{ node: { id: otherTenantInvoice } }] } });
  });
});
