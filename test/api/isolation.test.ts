/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   the suite inspects JSON answers as the client sees them, untyped */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { repoRoot } from '../support/cli.js';
import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

/**
 * Tenant isolation over every route: tenant B, holding a valid key of its own, asks for tenant A's invoices on
 * every REST route and every GraphQL query (and the subscription). B must get exactly what it gets for an id that
 * never existed (404, null, or only its own rows), and A's event log must be byte-for-byte the same afterwards.
 * Both tenants use the same customer id and the same dates, so a query that forgot the tenant would show A's rows.
 */

const KEY_A = 'tenant-a-isolation-key-0123';
const KEY_B = 'tenant-b-isolation-key-0123';
const API_KEYS = `tenantA:${KEY_A},tenantB:${KEY_B}`;
/** Marks every string of tenant A's data: none of it may appear in an answer to B. */
const SECRET = 'ALPHA-SECRET';

interface Reply {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

let dir: string;
let server: RunningServer;
let keyCounter = 0;

const call = async (
  key: string,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {},
): Promise<Reply> => {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // UBL is XML
  }
  return { status: response.status, body, text };
};

const post = (key: string, path: string, body?: unknown): Promise<Reply> =>
  call(key, 'POST', path, {
    ...(body === undefined ? {} : { body }),
    headers: { 'idempotency-key': `iso-${String(++keyCounter)}` },
  });

const ok = async (reply: Promise<Reply>, status = 200): Promise<any> => {
  const answer = await reply;
  expect(answer.status, answer.text).toBe(status);
  return answer.body;
};

const gql = async (key: string, query: string, variables: Record<string, unknown> = {}): Promise<Reply> =>
  call(key, 'POST', '/graphql', { body: { query, variables } });

const gqlData = async (key: string, query: string, variables: Record<string, unknown> = {}): Promise<any> => {
  const answer = await gql(key, query, variables);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.errors, answer.text).toBeUndefined();
  return answer.body.data;
};

/** The whole log as plain JSON (positions as strings), to compare before and after. */
const logSnapshot = async (): Promise<string> => {
  const batch = await server.runtime.store.readAll({ maxCount: 1_000_000 })();
  if (E.isLeft(batch)) throw new Error(batch.left._tag);
  return JSON.stringify(batch.right.events, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
};

const draft = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  customer: { id: 'cust-1', name: 'Buyer' },
  currency: 'EUR',
  issue_date: '2026-03-01',
  payment_terms_days: 14,
  lines: [{ description: 'Work', quantity: '10', unit_price: '100.00', tax_category: 'S', tax_rate: '19' }],
  ...overrides,
});

/** Tenant A's invoices: one draft (for PATCH and approve) and one issued, sent, part-paid and credited. */
let draftA: string;
let issuedA: string;
/** A's idempotency key for its approval: B reusing it must not replay A's answer. */
const A_APPROVE_KEY = 'shared-key-approve';
let invoiceB: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accrue-isolation-'));
  server = await startServer({
    ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
    ACCRUE_API_KEYS: API_KEYS,
    ACCRUE_SELLER_NAME: 'Seller AB',
    ACCRUE_SELLER_COUNTRY: 'SE',
    ACCRUE_SELLER_VAT: 'SE556677889901',
  });
  const secretCustomer = {
    id: 'cust-1',
    name: `${SECRET} GmbH`,
    email: 'ap@alpha-secret.example',
    address: { line1: `${SECRET} Str. 1`, city: 'Berlin', postal_code: '10115', country: 'DE' },
  };
  draftA = (
    await ok(
      post(KEY_A, '/v1/invoices', draft({ customer: secretCustomer, notes: SECRET, reference: SECRET })),
      201,
    )
  ).id;
  issuedA = (
    await ok(
      post(KEY_A, '/v1/invoices', draft({ customer: secretCustomer, notes: SECRET, reference: SECRET })),
      201,
    )
  ).id;
  await ok(
    call(KEY_A, 'POST', `/v1/invoices/${issuedA}/approve`, { headers: { 'idempotency-key': A_APPROVE_KEY } }),
  );
  await ok(post(KEY_A, `/v1/invoices/${issuedA}/send`, { channel: 'email' }));
  await ok(
    post(KEY_A, `/v1/invoices/${issuedA}/payments`, {
      amount: '100.00',
      paid_at: '2026-03-05T10:00:00Z',
      reference: SECRET,
    }),
  );
  await ok(post(KEY_A, `/v1/invoices/${issuedA}/credit-notes`, { amount: '10.00', reason: SECRET }), 201);
  // A customer only A has.
  await ok(
    post(KEY_A, '/v1/invoices', draft({ customer: { id: 'cust-alpha-only', name: `${SECRET} Only` } })),
    201,
  );
  // Tenant B: the same customer id and dates, another currency.
  invoiceB = (
    await ok(
      post(
        KEY_B,
        '/v1/invoices',
        draft({
          customer: { id: 'cust-1', name: 'Beta Buyer' },
          currency: 'USD',
          lines: [{ quantity: '1', unit_price: '50.00', tax_category: 'S', tax_rate: '10' }],
        }),
      ),
      201,
    )
  ).id;
  await ok(post(KEY_B, `/v1/invoices/${invoiceB}/approve`));
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('tenant isolation', () => {
  it("answers B 404 on every REST route for A's invoices, exactly as for an unknown id, and A's log is unchanged", async () => {
    const logBefore = await logSnapshot();
    const viewsBefore = await Promise.all(
      [draftA, issuedA].map((id) => ok(call(KEY_A, 'GET', `/v1/invoices/${id}`))),
    );
    const eventsBefore = await ok(call(KEY_A, 'GET', `/v1/invoices/${issuedA}/events`));
    // Sanity: every route works for A (so a 404 for B is isolation, not a broken route).
    const ublA = await call(KEY_A, 'GET', `/v1/invoices/${issuedA}/ubl`);
    expect(ublA.status, ublA.text).toBe(200);

    type Attempt = (id: string) => Promise<Reply>;
    const routes: Record<string, Attempt> = {
      'GET invoice': (id) => call(KEY_B, 'GET', `/v1/invoices/${id}`),
      'GET events': (id) => call(KEY_B, 'GET', `/v1/invoices/${id}/events`),
      'GET ubl': (id) => call(KEY_B, 'GET', `/v1/invoices/${id}/ubl`),
      PATCH: (id) => call(KEY_B, 'PATCH', `/v1/invoices/${id}`, { body: { notes: 'mine now' } }),
      'PATCH with If-Match': (id) =>
        call(KEY_B, 'PATCH', `/v1/invoices/${id}`, {
          body: { notes: 'mine now' },
          headers: { 'if-match': '"1"' },
        }),
      'PATCH with idempotency key': (id) =>
        call(KEY_B, 'PATCH', `/v1/invoices/${id}`, {
          body: { currency: 'USD' },
          headers: { 'idempotency-key': `b-patch-${id}` },
        }),
      approve: (id) => post(KEY_B, `/v1/invoices/${id}/approve`),
      'approve without idempotency key': (id) => call(KEY_B, 'POST', `/v1/invoices/${id}/approve`),
      send: (id) => post(KEY_B, `/v1/invoices/${id}/send`, { channel: 'email' }),
      payments: (id) =>
        post(KEY_B, `/v1/invoices/${id}/payments`, { amount: '1.00', paid_at: '2026-03-06T08:00:00Z' }),
      void: (id) => post(KEY_B, `/v1/invoices/${id}/void`, { reason: 'not yours' }),
      'write-off': (id) => post(KEY_B, `/v1/invoices/${id}/write-off`, { reason: 'not yours' }),
      'credit-notes by amount': (id) =>
        post(KEY_B, `/v1/invoices/${id}/credit-notes`, { amount: '1.00', reason: 'not yours' }),
      'credit-notes by lines': (id) =>
        post(KEY_B, `/v1/invoices/${id}/credit-notes`, {
          reason: 'not yours',
          lines: [{ quantity: '1', unit_price: '1.00', tax_category: 'S', tax_rate: '19' }],
        }),
    };
    for (const [name, attempt] of Object.entries(routes)) {
      const unknown = await attempt('never-existed-0');
      expect(unknown.status, `${name} on an unknown id: ${unknown.text}`).toBe(404);
      for (const id of [draftA, issuedA]) {
        const reply = await attempt(id);
        expect(
          reply.status,
          `${name} on A's ${id === draftA ? 'draft' : 'issued'} invoice: ${reply.text}`,
        ).toBe(404);
        // Not even the error tells B that the invoice exists.
        expect(reply.body, name).toEqual(unknown.body);
        expect(reply.text).not.toContain(SECRET);
      }
    }

    // The very request A made, with A's Idempotency-Key: keys are scoped by tenant, so no replay of A's answer.
    const replay = await call(KEY_B, 'POST', `/v1/invoices/${issuedA}/approve`, {
      headers: { 'idempotency-key': A_APPROVE_KEY },
    });
    expect(replay.status, replay.text).toBe(404);
    expect(replay.text).not.toContain(SECRET);

    expect(await logSnapshot()).toBe(logBefore);
    for (const [i, id] of [draftA, issuedA].entries())
      expect(await ok(call(KEY_A, 'GET', `/v1/invoices/${id}`))).toEqual(viewsBefore[i]);
    expect(await ok(call(KEY_A, 'GET', `/v1/invoices/${issuedA}/events`))).toEqual(eventsBefore);
  });

  it("answers B null or only its own rows on every GraphQL query, and A's log is unchanged", async () => {
    const logBefore = await logSnapshot();
    const { invoiceHistory: historyA } = await gqlData(
      KEY_A,
      'query($id: ID!) { invoiceHistory(id: $id) { position } }',
      { id: issuedA },
    );
    const positionA: string = historyA.at(-1).position;

    const query = /* GraphQL */ `
      query ($draft: ID!, $issued: ID!, $position: String!) {
        draft: invoice(id: $draft) {
          id
        }
        issued: invoice(id: $issued) {
          id
        }
        all: invoices(first: 100) {
          edges {
            node {
              id
              currency
              customer {
                name
              }
            }
          }
        }
        byCustomer: invoices(customerId: "cust-1") {
          edges {
            node {
              id
            }
          }
        }
        alphaOnly: invoices(customerId: "cust-alpha-only") {
          edges {
            node {
              id
            }
          }
        }
        drafts: invoices(status: draft) {
          edges {
            node {
              id
            }
          }
        }
        partiallyPaid: invoices(status: partially_paid) {
          edges {
            node {
              id
            }
          }
        }
        overdue: invoices(status: overdue, asOf: "2027-01-01") {
          edges {
            node {
              id
            }
          }
        }
        customer(id: "cust-1") {
          id
          name
          balance {
            currency
            balance
          }
          statement(from: "2026-01-01", to: "2026-12-31") {
            currencies {
              currency
              openingBalance
              closingBalance
              lines {
                kind
                invoiceId
                amount
              }
            }
          }
          invoices(first: 100) {
            edges {
              node {
                id
              }
            }
          }
        }
        alphaCustomer: customer(id: "cust-alpha-only") {
          id
          name
        }
        agingReport(asOf: "2027-01-01") {
          currencies {
            currency
            buckets {
              total
            }
          }
          customers {
            customerId
            customerName
            currency
            buckets {
              total
            }
          }
          invoices {
            invoiceId
            amountDue
          }
        }
        taxReport(from: "2026-01-01", to: "2026-12-31") {
          lines {
            currency
            category
            rate
            taxableAmount
            taxAmount
          }
          totals {
            currency
            taxableAmount
            taxAmount
          }
        }
        revenue(from: "2026-01", to: "2026-12") {
          month
          currency
          approved
          paid
        }
        draftHistory: invoiceHistory(id: $draft) {
          type
        }
        issuedHistory: invoiceHistory(id: $issued) {
          type
        }
        draftAt: invoiceAsOf(id: $draft, at: "2100-01-01T00:00:00Z") {
          id
        }
        issuedAt: invoiceAsOf(id: $issued, at: "2100-01-01T00:00:00Z") {
          id
        }
        issuedAtPosition: invoiceAsOf(id: $issued, position: $position) {
          id
        }
      }
    `;
    const asB = await gql(KEY_B, query, { draft: draftA, issued: issuedA, position: positionA });
    expect(asB.status, asB.text).toBe(200);
    expect(asB.body.errors, asB.text).toBeUndefined();
    expect(asB.text).not.toContain(SECRET);
    expect(asB.text).not.toContain(draftA);
    expect(asB.text).not.toContain(issuedA);
    expect(asB.text).not.toContain('EUR');
    const b = asB.body.data;
    const onlyB = { edges: [{ node: { id: invoiceB } }] };
    const none = { edges: [] };
    expect(b).toMatchObject({
      draft: null,
      issued: null,
      all: { edges: [{ node: { id: invoiceB, currency: 'USD', customer: { name: 'Beta Buyer' } } }] },
      byCustomer: onlyB,
      alphaOnly: none,
      drafts: none,
      partiallyPaid: none,
      overdue: onlyB,
      customer: {
        id: 'cust-1',
        name: 'Beta Buyer',
        balance: [{ currency: 'USD', balance: '55.00' }],
        statement: {
          currencies: [
            {
              currency: 'USD',
              openingBalance: '0.00',
              closingBalance: '55.00',
              lines: [{ kind: 'invoice', invoiceId: invoiceB, amount: '55.00' }],
            },
          ],
        },
        invoices: onlyB,
      },
      alphaCustomer: null,
      agingReport: {
        currencies: [{ currency: 'USD', buckets: { total: '55.00' } }],
        customers: [{ customerId: 'cust-1', customerName: 'Beta Buyer', currency: 'USD' }],
        invoices: [{ invoiceId: invoiceB, amountDue: '55.00' }],
      },
      taxReport: {
        lines: [{ currency: 'USD', category: 'S', rate: '10', taxableAmount: '50.00', taxAmount: '5.00' }],
        totals: [{ currency: 'USD', taxableAmount: '50.00', taxAmount: '5.00' }],
      },
      revenue: [{ month: '2026-03', currency: 'USD', approved: '55.00', paid: '0.00' }],
      draftHistory: null,
      issuedHistory: null,
      draftAt: null,
      issuedAt: null,
      issuedAtPosition: null,
    });

    // The same query for an id that never existed gives the same nulls (no existence leak).
    const unknown = await gqlData(KEY_B, query, {
      draft: 'never-existed-1',
      issued: 'never-existed-2',
      position: positionA,
    });
    expect(b).toEqual(unknown);

    // Sanity: A sees its own invoices through the same query (so B's nulls are isolation, not a broken query).
    const asA = await gqlData(KEY_A, query, { draft: draftA, issued: issuedA, position: positionA });
    expect(asA.issued).toEqual({ id: issuedA });
    expect(asA.issuedHistory.map((event: any) => event.type)).toContain('CreditNoteApplied');
    expect(asA.issuedAtPosition).toEqual({ id: issuedA });
    expect(asA.alphaCustomer).toMatchObject({ id: 'cust-alpha-only' });
    expect(JSON.stringify(asA)).not.toContain(invoiceB);

    expect(await logSnapshot()).toBe(logBefore);
  });

  it("never publishes A's invoice changes to B's subscriptions", async () => {
    const socket = await openSocket(KEY_B);
    const watchA = await openSocket(KEY_A);
    socket.subscribe('all', 'subscription { invoiceChanged { invoiceId type } }');
    socket.subscribe('foreign', `subscription { invoiceChanged(id: "${issuedA}") { invoiceId type } }`);
    watchA.subscribe('mine', `subscription { invoiceChanged(id: "${issuedA}") { invoiceId type } }`);
    // A round trip on each socket: the server has registered the subscriptions before anything is written.
    await socket.ping();
    await watchA.ping();

    await ok(
      post(KEY_A, `/v1/invoices/${issuedA}/payments`, { amount: '1.00', paid_at: '2026-03-07T08:00:00Z' }),
    );
    // A's own subscription sees the change: it was published.
    expect(await watchA.next()).toMatchObject({
      id: 'mine',
      type: 'next',
      payload: { data: { invoiceChanged: { invoiceId: issuedA, type: 'PaymentRecorded' } } },
    });
    await ok(
      post(KEY_B, `/v1/invoices/${invoiceB}/payments`, { amount: '5.00', paid_at: '2026-03-07T09:00:00Z' }),
    );
    // Messages on one socket keep publication order: B's first is its own change, none of A's came before.
    const first = await socket.next();
    expect(first).toMatchObject({
      id: 'all',
      type: 'next',
      payload: { data: { invoiceChanged: { invoiceId: invoiceB, type: 'PaymentRecorded' } } },
    });
    expect(socket.queued()).toEqual([]);
    socket.close();
    watchA.close();
  });
});

// The WebSocket client mercurius itself depends on (the test package has no WebSocket client of its own).
const requireFromApi = createRequire(join(repoRoot, 'packages/api/package.json'));
const requireFromMercurius = createRequire(requireFromApi.resolve('mercurius'));
interface Socket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
  send(data: string): void;
  close(): void;
}
const WebSocket = requireFromMercurius('ws') as new (
  url: string,
  protocols: string,
  options: { headers: Record<string, string> },
) => Socket;

interface GraphqlSocket {
  readonly subscribe: (id: string, query: string) => void;
  /** A ping answered by a pong: everything sent before it has been processed. */
  readonly ping: () => Promise<void>;
  readonly next: () => Promise<unknown>;
  readonly queued: () => ReadonlyArray<unknown>;
  readonly close: () => void;
}

const openSocket = async (key: string): Promise<GraphqlSocket> => {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    headers: { authorization: `Bearer ${key}` },
  });
  const queue: unknown[] = [];
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
  expect(await next()).toMatchObject({ type: 'connection_ack' });
  return {
    subscribe: (id, query) => {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
    },
    ping: async () => {
      socket.send(JSON.stringify({ type: 'ping' }));
      expect(await next()).toMatchObject({ type: 'pong' });
    },
    next,
    queued: () => [...queue],
    close: () => {
      socket.close();
    },
  };
};
