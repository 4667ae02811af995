/**
 * The GraphQL read API end to end: the real composition root (as `packages/api/src/server/main.ts` wires it) on
 * a temporary SQLite log, over real HTTP and WebSocket. Invoices are written with the command handler (the REST
 * command API is another module); the REST comparison runs once `GET /v1/invoices/{id}` exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CommandContext } from '@accrue/domain';
import {
  InvoiceCommand,
  approveInvoice,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
} from '@accrue/domain';
import type { ProjectionRunner } from '@accrue/projections';
import { allProjections, createProjectionRunner, createReadModelQueries } from '@accrue/projections';
import type { Runtime } from '@accrue/api';
import { createRuntime } from '@accrue/api';

import { loadApiKeys } from '../../packages/api/src/server/apiKeys.js';
import { buildApp } from '../../packages/api/src/server/app.js';
import { loadServerConfig } from '../../packages/api/src/server/serverConfig.js';
import { repoRoot } from '../support/cli.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const A = 'tenant-a';
const B = 'tenant-b';

interface Server {
  readonly base: string;
  readonly runtime: Runtime;
  readonly runner: ProjectionRunner;
  readonly close: () => Promise<void>;
}

/** The server as `main.ts` starts it: runtime, read models, runner caught up, app, runner following. */
const startServer = async (dir: string): Promise<Server> => {
  const runtime = await createRuntime({ ACCRUE_STORE: `sqlite:${join(dir, 'log.db')}` });
  const readModels = await runtime.readModels();
  const runner = createProjectionRunner({ events: runtime.store, readModels, projections: allProjections });
  await runner.initialise();
  await runner.catchUp();
  const config = loadServerConfig({ PORT: '0', LOG_LEVEL: process.env['GQL_LOG'] ?? 'silent' });
  const apiKeys = loadApiKeys({ ACCRUE_API_KEYS: `${A}:${KEY_A},${B}:${KEY_B}` });
  if (E.isLeft(config) || E.isLeft(apiKeys)) throw new Error('test configuration does not load');
  const app = await buildApp({
    runtime,
    readModels,
    runner,
    queries: createReadModelQueries(readModels),
    apiKeys: apiKeys.right,
    config: config.right,
  });
  runner.start();
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base,
    runtime,
    runner,
    close: async () => {
      await app.close();
      await runner.stop();
      await runtime.close();
    },
  };
};

let server: Server;
let dir: string;
let lastPosition = 0n;
let commandCounter = 0;

const ctx = (tenantId: string, now: string): CommandContext => ({
  tenantId,
  commandId: `cmd-${String(++commandCounter)}`,
  actor: 'graphql-test',
  now,
});

const command = (value: unknown): InvoiceCommand => {
  const decoded = InvoiceCommand.decode(value);
  if (E.isLeft(decoded)) throw new Error(`fixture does not decode: ${JSON.stringify(value)}`);
  return decoded.right;
};

const run = async (tenantId: string, invoiceId: string, now: string, type: string, data: object) => {
  const result = await handleCommand(
    server.runtime.store,
    invoiceAggregate,
    invoiceStream(tenantId, invoiceId),
    command({ type, data: { invoiceId, tenantId, now, ...data } }),
    ctx(tenantId, now),
  )();
  if (E.isLeft(result)) throw new Error(`${type} failed: ${JSON.stringify(result.left)}`);
  if (result.right.position !== undefined) lastPosition = result.right.position;
  return result.right;
};

const createDraft = (tenantId: string, invoiceId: string, now: string, fields: object = {}) =>
  run(tenantId, invoiceId, now, 'CreateDraftInvoice', {
    currency: 'EUR',
    customer: { id: 'cust-1', name: 'Acme GmbH' },
    lines: [{ id: '1', quantity: '2', netPrice: '50.00', vat: { category: 'S', rate: '19' } }],
    ...fields,
  });

const approve = async (tenantId: string, invoiceId: string, now: string) => {
  const result = await approveInvoice(
    server.runtime.approval,
    { tenantId, invoiceId, now } as never,
    ctx(tenantId, now),
  )();
  if (E.isLeft(result)) throw new Error(`approval failed: ${JSON.stringify(result.left)}`);
  if (result.right.position !== undefined) lastPosition = result.right.position;
};

const pay = (tenantId: string, invoiceId: string, now: string, paymentId: string, amount: string) =>
  run(tenantId, invoiceId, now, 'RecordPayment', { paymentId, amount, currency: 'EUR', paidAt: now });

interface GraphqlAnswer {
  readonly status: number;
  readonly body: {
    readonly data?: Record<string, unknown> | null;
    readonly errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
    readonly extensions?: Record<string, unknown>;
  };
}

const gql = async (
  key: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphqlAnswer> => {
  const response = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer['body'] };
};

/** A query that must succeed: its data. */
const data = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
  const answer = await gql(key, query, variables);
  expect(answer.body.errors).toBeUndefined();
  expect(answer.status).toBe(200);
  return answer.body.data ?? {};
};

/** A value at a path in a JSON answer (undefined where the path does not lead). */
const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current = value;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
};

const list = (value: unknown): ReadonlyArray<unknown> => {
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)}`);
  return value as ReadonlyArray<unknown>;
};

/** The node ids of a connection. */
const nodeIds = (connection: unknown): ReadonlyArray<unknown> =>
  list(at(connection, 'edges')).map((edge) => at(edge, 'node', 'id'));

const codes = (answer: GraphqlAnswer): ReadonlyArray<unknown> =>
  (answer.body.errors ?? []).map((error) => error.extensions?.['code']);

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

// Times of tenant A's first invoice, for time travel.
const T_CREATED = '2026-01-10T09:00:00Z';
const T_APPROVED = '2026-01-10T10:00:00Z';
const T_PAID = '2026-01-20T12:00:00Z';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accrue-graphql-'));
  server = await startServer(dir);
  // Tenant A: inv-1 approved and partly paid; inv-2…inv-5 approved on other dates; a draft; another customer.
  await createDraft(A, 'inv-1', T_CREATED, { issueDate: '2026-01-10', dueDate: '2026-02-09' });
  await approve(A, 'inv-1', T_APPROVED);
  await pay(A, 'inv-1', T_PAID, 'pay-1', '19.00');
  for (const [n, day] of [
    [2, '11'],
    [3, '12'],
    [4, '13'],
    [5, '14'],
  ] as const) {
    await createDraft(A, `inv-${String(n)}`, `2026-01-${day}T08:00:00Z`, {
      issueDate: `2026-01-${day}`,
      dueDate: `2026-02-${day}`,
    });
    await approve(A, `inv-${String(n)}`, `2026-01-${day}T09:00:00Z`);
  }
  await createDraft(A, 'inv-draft', '2026-01-15T08:00:00Z', { issueDate: '2026-01-15' });
  await createDraft(A, 'inv-other', '2026-01-16T08:00:00Z', {
    issueDate: '2026-01-16',
    customer: { id: 'cust-2', name: 'Beta SA' },
  });
  await approve(A, 'inv-other', '2026-01-16T09:00:00Z');
  // Tenant B: the same customer id, its own invoice.
  await createDraft(B, 'inv-b1', '2026-01-12T08:00:00Z', {
    issueDate: '2026-01-12',
    dueDate: '2026-01-22',
    lines: [{ id: '1', quantity: '1', netPrice: '1000.00', vat: { category: 'S', rate: '19' } }],
  });
  await approve(B, 'inv-b1', '2026-01-12T09:00:00Z');
  expect(await server.runner.waitFor(lastPosition, 10_000)).toBe(true);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GraphQL at /graphql', () => {
  it('requires an API key; GraphiQL is public', async () => {
    const anonymous = await gql(undefined, '{ readModelPosition }');
    expect(anonymous.status).toBe(401);
    const wrong = await gql('not-a-key-0123456789', '{ readModelPosition }');
    expect(wrong.status).toBe(401);
    const graphiql = await fetch(`${server.base}/graphiql`);
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('<html');
  });

  it('answers invoice(id) with the resource fields and the log position it reflects', async () => {
    const answer = await gql(KEY_A, `query($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`, {
      id: 'inv-1',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const invoice = answer.body.data?.['invoice'];
    expect(invoice).toMatchObject({
      id: 'inv-1',
      number: expect.stringMatching(/\S/) as unknown,
      status: 'partially_paid',
      currency: 'EUR',
      customer: { id: 'cust-1', name: 'Acme GmbH', email: null, address: null },
      issueDate: '2026-01-10',
      dueDate: '2026-02-09',
      pricesIncludeTax: false,
      lines: [
        { id: '1', quantity: '2', unitPrice: '50', taxCategory: 'S', taxRate: '19', netAmount: '100.00' },
      ],
      totals: { taxExclusiveAmount: '100.00', taxAmount: '19.00', payableAmount: '119.00' },
      taxBreakdown: [{ category: 'S', rate: '19', taxableAmount: '100.00', taxAmount: '19.00' }],
      amountPaid: '19.00',
      amountDue: '100.00',
      version: 3,
    });
    const position = answer.body.extensions?.['position'];
    expect(typeof position).toBe('string');
    expect(BigInt(String(position))).toBeGreaterThanOrEqual(lastPosition);
    const { readModelPosition } = await data(KEY_A, '{ readModelPosition }');
    expect(BigInt(String(readModelPosition))).toBeGreaterThanOrEqual(lastPosition);
  });

  it('gives a draft no number and no amount due', async () => {
    const { invoice } = await data(
      KEY_A,
      '{ invoice(id: "inv-draft") { status number amountDue totals { payableAmount } } }',
    );
    expect(invoice).toEqual({
      status: 'draft',
      number: null,
      amountDue: null,
      totals: { payableAmount: '119.00' },
    });
    expect((await data(KEY_A, '{ invoice(id: "nope") { id } }'))['invoice']).toBeNull();
  });

  it('pages invoices with cursors, newest issue date first, and filters them', async () => {
    const seen: unknown[] = [];
    let after: unknown = null;
    let pages = 0;
    for (;;) {
      const result = await data(
        KEY_A,
        `query($after: String) { invoices(first: 2, after: $after) {
           edges { cursor node { id issueDate } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      const page = result['invoices'];
      pages += 1;
      seen.push(...nodeIds(page));
      if (at(page, 'pageInfo', 'hasNextPage') !== true) break;
      after = at(page, 'pageInfo', 'endCursor');
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(['inv-other', 'inv-draft', 'inv-5', 'inv-4', 'inv-3', 'inv-2', 'inv-1']);

    const filtered = await data(
      KEY_A,
      `{ drafts: invoices(status: draft) { edges { node { id } } }
         cust2: invoices(customerId: "cust-2") { edges { node { id } } }
         range: invoices(from: "2026-01-11", to: "2026-01-12") { edges { node { id } } }
         overdue: invoices(status: overdue, asOf: "2026-02-12") { edges { node { id } } } }`,
    );
    const ids = (key: string) => nodeIds(filtered[key]);
    expect(ids('drafts')).toEqual(['inv-draft']);
    expect(ids('cust2')).toEqual(['inv-other']);
    expect(ids('range')).toEqual(['inv-3', 'inv-2']);
    expect(ids('overdue')).toEqual(['inv-2', 'inv-1']);
  });

  it('caps the page size at 100 and refuses a cursor it did not make', async () => {
    const big = await gql(KEY_A, '{ invoices(first: 101) { edges { cursor } } }');
    expect(codes(big)).toEqual(['BAD_USER_INPUT']);
    expect(big.body.errors?.[0]?.message).toContain('100');
    const ok = await data(KEY_A, '{ invoices(first: 100) { edges { cursor } } }');
    expect(list(at(ok['invoices'], 'edges'))).toHaveLength(7);
    const cursor = await gql(KEY_A, '{ invoices(after: "garbage") { edges { cursor } } }');
    expect(codes(cursor)).toEqual(['BAD_USER_INPUT']);
    const overdue = await gql(KEY_A, '{ invoices(status: overdue) { edges { cursor } } }');
    expect(codes(overdue)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers customer(id) with balance per currency, a statement and its invoices', async () => {
    const { customer } = await data(
      KEY_A,
      `{ customer(id: "cust-1") {
           id name balance { currency balance } past: balance(asOf: "2026-01-10") { currency balance }
           statement(from: "2026-01-11", to: "2026-01-31") {
             from to currencies { currency openingBalance closingBalance lines { kind invoiceId amount balance } } }
           invoices(first: 10, status: partially_paid) { edges { node { id } } } } }`,
    );
    // Five invoices of 119.00 approved, 19.00 paid: 576.00 owed; on 10 January only inv-1.
    expect(at(customer, 'id')).toBe('cust-1');
    expect(at(customer, 'name')).toBe('Acme GmbH');
    expect(at(customer, 'balance')).toEqual([{ currency: 'EUR', balance: '576.00' }]);
    expect(at(customer, 'past')).toEqual([{ currency: 'EUR', balance: '119.00' }]);
    const eur = at(customer, 'statement', 'currencies', 0);
    expect(at(eur, 'openingBalance')).toBe('119.00');
    expect(at(eur, 'closingBalance')).toBe('576.00');
    expect(list(at(eur, 'lines')).map((line) => at(line, 'kind'))).toEqual([
      'invoice',
      'invoice',
      'invoice',
      'invoice',
      'payment',
    ]);
    expect(nodeIds(at(customer, 'invoices'))).toEqual(['inv-1']);
    expect((await data(KEY_A, '{ customer(id: "nobody") { id } }'))['customer']).toBeNull();
    const reversed = await gql(
      KEY_A,
      '{ customer(id: "cust-1") { statement(from: "2026-02-01", to: "2026-01-01") { from } } }',
    );
    expect(codes(reversed)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers the aging, tax and revenue reports', async () => {
    const result = await data(
      KEY_A,
      `{ agingReport(asOf: "2026-02-12") {
           asOf currencies { currency buckets { current days1to30 total } }
           customers { customerId currency buckets { total } }
           invoices { invoiceId daysPastDue bucket amountDue } }
         taxReport(from: "2026-01-01", to: "2026-01-31") {
           lines { currency category rate taxableAmount taxAmount } totals { currency taxableAmount taxAmount } }
         revenue(from: "2026-01", to: "2026-03") { month currency approved paid } }`,
    );
    const aging = result['agingReport'];
    expect(at(aging, 'asOf')).toBe('2026-02-12');
    // inv-1 (100.00 due, 3 days late), inv-2 (119.00, 1 day late); the rest not yet due.
    expect(at(aging, 'currencies')).toEqual([
      { currency: 'EUR', buckets: { current: '476.00', days1to30: '219.00', total: '695.00' } },
    ]);
    expect(list(at(aging, 'invoices')).find((row) => at(row, 'invoiceId') === 'inv-1')).toEqual({
      invoiceId: 'inv-1',
      daysPastDue: 3,
      bucket: 'days1to30',
      amountDue: '100.00',
    });
    expect(result['taxReport']).toEqual({
      lines: [{ currency: 'EUR', category: 'S', rate: '19', taxableAmount: '600.00', taxAmount: '114.00' }],
      totals: [{ currency: 'EUR', taxableAmount: '600.00', taxAmount: '114.00' }],
    });
    expect(result['revenue']).toEqual([
      { month: '2026-01', currency: 'EUR', approved: '714.00', paid: '19.00' },
    ]);
    const badDate = await gql(KEY_A, '{ agingReport(asOf: "2026-13-01") { asOf } }');
    expect(codes(badDate)).toEqual(['BAD_USER_INPUT']);
    const badMonth = await gql(KEY_A, 'query($m: YearMonth!) { revenue(from: $m, to: $m) { month } }', {
      m: '2026-1',
    });
    expect(codes(badMonth)).toEqual(['BAD_USER_INPUT']);
    expect(badMonth.status).toBe(400);
  });

  it('answers invoiceHistory(id) with the stream’s events, hash-chained, oldest first', async () => {
    const history = list(
      (
        await data(
          KEY_A,
          '{ invoiceHistory(id: "inv-1") { type version position occurredAt actor commandId hash prevHash data } }',
        )
      )['invoiceHistory'],
    );
    const field = (index: number, name: string): unknown => at(history, index, name);
    expect(history.map((event) => at(event, 'type'))).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
    ]);
    expect(history.map((event) => at(event, 'version'))).toEqual([1, 2, 3]);
    expect(field(0, 'prevHash')).toBeNull();
    expect(field(1, 'prevHash')).toBe(field(0, 'hash'));
    expect(field(2, 'prevHash')).toBe(field(1, 'hash'));
    expect(field(0, 'occurredAt')).toBe(T_CREATED);
    expect(field(2, 'data')).toMatchObject({ paymentId: 'pay-1', amount: '19.00', currency: 'EUR' });
    expect(at(history, 0, 'data', 'content', 'lines', 0)).toMatchObject({ quantity: '2', netPrice: '50' });
    expect((await data(KEY_A, '{ invoiceHistory(id: "nope") { type } }'))['invoiceHistory']).toBeNull();
  });

  it('answers invoiceAsOf(id, at | position) folded from the stream, as the same Invoice type', async () => {
    const query = `query($at: DateTime, $position: String) { invoiceAsOf(id: "inv-1", at: $at, position: $position) { ${INVOICE_FIELDS} } }`;
    const before = await data(KEY_A, query, { at: '2026-01-10T08:59:59Z' });
    expect(before['invoiceAsOf']).toBeNull();
    const draft = (await data(KEY_A, query, { at: '2026-01-10T09:30:00+00:00' }))['invoiceAsOf'];
    expect(draft).toMatchObject({ status: 'draft', number: null, amountDue: null, version: 1 });
    const approved = (await data(KEY_A, query, { at: '2026-01-15T00:00:00Z' }))['invoiceAsOf'];
    expect(approved).toMatchObject({
      status: 'approved',
      amountPaid: '0.00',
      amountDue: '119.00',
      version: 2,
    });
    const now = (await data(KEY_A, query, { at: '2030-01-01T00:00:00Z' }))['invoiceAsOf'];
    const live = (await data(KEY_A, `{ invoice(id: "inv-1") { ${INVOICE_FIELDS} } }`))['invoice'];
    // Folded from the whole stream, time travel gives exactly the live read model's answer.
    expect(now).toEqual(live);
    const { invoiceHistory } = await data(KEY_A, '{ invoiceHistory(id: "inv-1") { position } }');
    const atApproval = (await data(KEY_A, query, { position: at(invoiceHistory, 1, 'position') }))[
      'invoiceAsOf'
    ];
    expect(atApproval).toEqual(approved);
    const both = await gql(KEY_A, query, { at: T_PAID, position: '1' });
    expect(codes(both)).toEqual(['BAD_USER_INPUT']);
    const neither = await gql(KEY_A, query, {});
    expect(codes(neither)).toEqual(['BAD_USER_INPUT']);
  });

  it('never shows a tenant another tenant’s data, nor whether it exists', async () => {
    const foreign = await data(
      KEY_B,
      `{ invoice(id: "inv-1") { id }
         invoiceHistory(id: "inv-1") { type }
         invoiceAsOf(id: "inv-1", at: "2030-01-01T00:00:00Z") { id }
         other: customer(id: "cust-2") { id }
         invoices(first: 100) { edges { node { id } } }
         customer(id: "cust-1") { balance { currency balance } invoices { edges { node { id } } }
                                  statement(from: "2026-01-01", to: "2026-12-31") { currencies { closingBalance } } }
         taxReport(from: "2026-01-01", to: "2026-12-31") { totals { taxableAmount } }
         revenue(from: "2026-01", to: "2026-12") { approved paid }
         agingReport(asOf: "2026-02-12") { invoices { invoiceId } } }`,
    );
    const unknown = await data(
      KEY_B,
      `{ invoice(id: "inv-never") { id } invoiceHistory(id: "inv-never") { type }
         invoiceAsOf(id: "inv-never", at: "2030-01-01T00:00:00Z") { id } other: customer(id: "cust-never") { id } }`,
    );
    // A foreign id answers exactly like an id that never existed.
    expect({
      invoice: foreign['invoice'],
      invoiceHistory: foreign['invoiceHistory'],
      invoiceAsOf: foreign['invoiceAsOf'],
      other: foreign['other'],
    }).toEqual(unknown);
    expect(foreign['invoice']).toBeNull();
    expect(nodeIds(foreign['invoices'])).toEqual(['inv-b1']);
    expect(foreign['customer']).toEqual({
      balance: [{ currency: 'EUR', balance: '1190.00' }],
      invoices: { edges: [{ node: { id: 'inv-b1' } }] },
      statement: { currencies: [{ closingBalance: '1190.00' }] },
    });
    expect(foreign['taxReport']).toEqual({ totals: [{ taxableAmount: '1000.00' }] });
    expect(foreign['revenue']).toEqual([{ approved: '1190.00', paid: '0.00' }]);
    expect(foreign['agingReport']).toEqual({ invoices: [{ invoiceId: 'inv-b1' }] });
    // And tenant A sees none of B's.
    const own = await data(
      KEY_A,
      '{ invoice(id: "inv-b1") { id } invoices(first: 100) { edges { node { id } } } }',
    );
    expect(own['invoice']).toBeNull();
    expect(nodeIds(own['invoices'])).not.toContain('inv-b1');
  });

  it('refuses queries that are too deep, also through fragments, before running them', async () => {
    const deep = `{ invoice(id: "inv-1") { customer { account { invoices { edges { node { customer { account {
                      invoices { edges { node { id } } } } } } } } } } } }`;
    const refused = await gql(KEY_A, deep);
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['QUERY_TOO_DEEP']);
    expect(refused.body.data ?? null).toBeNull();
    const viaFragments = await gql(
      KEY_A,
      `{ invoice(id: "inv-1") { ...A } }
       fragment A on Invoice { customer { account { invoices { edges { node { ...B } } } } } }
       fragment B on Invoice { customer { account { invoices { edges { node { id } } } } } }`,
    );
    expect(codes(viaFragments)).toEqual(['QUERY_TOO_DEEP']);
    // Introspection, as GraphiQL sends it, is not limited by depth.
    const introspection = await gql(
      KEY_A,
      '{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } }',
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body.errors).toBeUndefined();
  });

  it('refuses queries whose estimated cost is too high, counting pages and aliases', async () => {
    const nested = `query($n: Int) { invoices(first: $n) { edges { node { customer { account {
                      invoices(first: $n) { edges { node { id lines { id } } } } } } } } } }`;
    const expensive = await gql(KEY_A, nested, { n: 100 });
    expect(expensive.status).toBe(400);
    expect(codes(expensive)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(expensive.body.errors?.[0]?.extensions?.['maxCost']).toBe(10_000);
    // The same query with small pages is fine: the cost follows the variables.
    const cheap = await gql(KEY_A, nested, { n: 2 });
    expect(cheap.body.errors).toBeUndefined();
    const aliases = Array.from(
      { length: 8 },
      (_, i) => `a${String(i)}: invoices(first: 100) { edges { node { ${INVOICE_FIELDS} } } }`,
    ).join('\n');
    expect(codes(await gql(KEY_A, `{ ${aliases} }`))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('reads its own writes when asked to wait for a position, and says so when it cannot', async () => {
    const written = await pay(A, 'inv-2', '2026-02-01T10:00:00Z', 'pay-2', '119.00');
    const position = written.position?.toString() ?? '';
    const answer = await gql(
      KEY_A,
      '{ invoice(id: "inv-2") { status amountPaid amountDue } }',
      {},
      { 'x-accrue-min-position': position },
    );
    expect(answer.body.data?.['invoice']).toEqual({
      status: 'paid',
      amountPaid: '119.00',
      amountDue: '0.00',
    });
    expect(BigInt(String(answer.body.extensions?.['position']))).toBeGreaterThanOrEqual(BigInt(position));
    const bad = await gql(KEY_A, '{ readModelPosition }', {}, { 'x-accrue-min-position': 'soon' });
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const future = await gql(KEY_A, '{ readModelPosition }', {}, { 'x-accrue-min-position': '999999999' });
    expect(future.status).toBe(503);
    expect(codes(future)).toEqual(['READ_MODEL_BEHIND']);
  });

  it('answers bad queries with GraphQL errors that carry a code and no internals', async () => {
    const syntax = await gql(KEY_A, '{ invoice(id: "x" { id } }');
    expect(syntax.status).toBe(400);
    expect(codes(syntax)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const unknownField = await gql(KEY_A, '{ invoice(id: "inv-1") { secret } }');
    expect(codes(unknownField)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const badId = await gql(KEY_A, '{ invoice(id: "no/slashes") { id } }');
    expect(codes(badId)).toEqual(['BAD_USER_INPUT']);
    const badVariable = await gql(KEY_A, 'query($n: Int) { invoices(first: $n) { edges { cursor } } }', {
      n: 'x',
    });
    expect(codes(badVariable)).toEqual(['BAD_USER_INPUT']);
    for (const answer of [syntax, unknownField, badId, badVariable])
      expect(JSON.stringify(answer.body)).not.toMatch(/stack|\.ts:|node_modules|SQLITE/i);
  });

  it('gives the same answer on the JIT-compiled path as on the first run', async () => {
    const query = `{ invoice(id: "inv-3") { ${INVOICE_FIELDS} } }`;
    const first = await data(KEY_A, query);
    const second = await data(KEY_A, query);
    const third = await data(KEY_A, query);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
  });

  it('equals the REST resource GET /v1/invoices/{id} field by field', async (context) => {
    const rest = await fetch(`${server.base}/v1/invoices/inv-1`, {
      headers: { authorization: `Bearer ${KEY_A}` },
    });
    if (
      rest.status === 404 &&
      ((await rest.clone().json()) as { error?: { message?: string } }).error?.message?.startsWith('no route')
    ) {
      context.skip('the REST invoice routes are not registered yet');
    }
    expect(rest.status).toBe(200);
    const resource = (await rest.json()) as Record<string, unknown>;
    const { invoice } = await data(KEY_A, `{ invoice(id: "inv-1") { ${INVOICE_FIELDS} } }`);
    const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const toSnake = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(toSnake)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), toSnake(v)]))
          : value;
    const body = 'data' in resource && typeof resource['data'] === 'object' ? resource['data'] : resource;
    expect(body).toMatchObject(toSnake(invoice) as object);
  });
});

// The WebSocket client mercurius itself depends on (the test package has no WebSocket client of its own).
const requireFromApi = createRequire(join(repoRoot, 'packages/api/package.json'));
const requireFromMercurius = createRequire(requireFromApi.resolve('mercurius'));
interface Socket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = requireFromMercurius('ws') as new (
  url: string,
  protocols: string,
  options: { headers: Record<string, string> },
) => Socket;

interface Subscriber {
  readonly next: () => Promise<unknown>;
  readonly close: () => void;
}

const subscribe = async (key: string, query: string): Promise<Subscriber> => {
  const socket = new WebSocket(server.base.replace('http', 'ws') + '/graphql', 'graphql-transport-ws', {
    headers: { authorization: `Bearer ${key}` },
  });
  const queue: Array<unknown> = [];
  const waiting: Array<(message: unknown) => void> = [];
  socket.on('message', (raw) => {
    const message: unknown = JSON.parse(raw.toString());
    const waiter = waiting.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  const next = (): Promise<unknown> =>
    new Promise((resolve) => {
      const queued = queue.shift();
      if (queued === undefined) waiting.push(resolve);
      else resolve(queued);
    });
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => {
      resolve();
    });
    socket.on('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  expect(at(await next(), 'type')).toBe('connection_ack');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return {
    next,
    close: () => {
      socket.close();
    },
  };
};

describe('GraphQL subscription invoiceChanged', () => {
  it('refuses a WebSocket without an API key', async () => {
    const socket = new WebSocket(server.base.replace('http', 'ws') + '/graphql', 'graphql-transport-ws', {
      headers: {},
    });
    // Without an 'unexpected-response' listener, ws aborts the handshake itself and reports the status.
    const outcome = await new Promise<string>((resolve) => {
      socket.on('open', () => {
        resolve('open');
      });
      socket.on('error', (error) => {
        resolve(error instanceof Error ? error.message : String(error));
      });
    });
    socket.close();
    expect(outcome).toContain('401');
  });

  it('publishes the tenant’s invoice changes once the read models have them, to that tenant only', async () => {
    const query = `subscription { invoiceChanged(id: "inv-3") { invoiceId type version position
                     invoice { status amountPaid } } }`;
    const a = await subscribe(KEY_A, query);
    const all = await subscribe(KEY_A, 'subscription { invoiceChanged { invoiceId type } }');
    const b = await subscribe(KEY_B, 'subscription { invoiceChanged { invoiceId type } }');
    // Subscriptions are registered once the server has processed `subscribe`: a query on another connection
    // cannot order them, so give the server the same turn by writing after a round trip on each socket.
    await gql(KEY_A, '{ readModelPosition }');
    await pay(A, 'inv-4', '2026-02-02T10:00:00Z', 'pay-4', '10.00');
    const written = await pay(A, 'inv-3', '2026-02-02T11:00:00Z', 'pay-3', '20.00');
    const message = await a.next();
    expect(message).toMatchObject({
      type: 'next',
      id: '1',
      payload: {
        data: {
          invoiceChanged: {
            invoiceId: 'inv-3',
            type: 'PaymentRecorded',
            version: 3,
            position: written.position?.toString(),
            invoice: { status: 'partially_paid', amountPaid: '20.00' },
          },
        },
      },
    });
    expect(at(await all.next(), 'payload', 'data', 'invoiceChanged')).toEqual({
      invoiceId: 'inv-4',
      type: 'PaymentRecorded',
    });
    expect(at(await all.next(), 'payload', 'data', 'invoiceChanged')).toEqual({
      invoiceId: 'inv-3',
      type: 'PaymentRecorded',
    });
    // Tenant B's first notification is its own change: none of A's reached it.
    await pay(B, 'inv-b1', '2026-02-03T10:00:00Z', 'pay-b1', '1.00');
    expect(at(await b.next(), 'payload', 'data', 'invoiceChanged')).toEqual({
      invoiceId: 'inv-b1',
      type: 'PaymentRecorded',
    });
    a.close();
    all.close();
    b.close();
  });
});
