/**
 * The fast path of `POST /graphql` (`packages/api/src/server/graphql/fastQuery.ts`) must answer exactly what the
 * full mercurius pipeline answers. `x-accrue-graphql-pipeline: full` forces the full pipeline, so each query is
 * asked both ways on one server and the answers compared once parsed (status, content type, data, errors,
 * extensions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

const KEY = 'fast-path-key-0123456789';

const INVOICE_FIELDS = /* GraphQL */ `
  id number status currency series
  customer { id name email vatNumber address { line1 line2 city postalCode country } }
  issueDate dueDate paymentTermsDays pricesIncludeTax
  lines { id description quantity unitPrice baseQuantity unitCode taxCategory taxRate
          allowances { amount percent reason } charges { amount percent reason } netAmount }
  allowances { amount percent reason taxCategory taxRate }
  totals { lineExtensionAmount taxExclusiveAmount taxAmount taxInclusiveAmount payableAmount }
  taxBreakdown { category rate taxableAmount taxAmount }
  amountPaid amountCredited amountWrittenOff amountDue version
`;

describe('GraphQL fast path', () => {
  let dir: string;
  let server: RunningServer;
  const ids: string[] = [];

  const rest = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };

  const pipelines: string[] = [];
  const viaPost = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
    });
    pipelines.push(response.headers.get('x-accrue-graphql-pipeline') ?? 'full');
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.json(),
    };
  };
  const viaFullPipeline = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'x-accrue-graphql-pipeline': 'full',
      },
      body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.json(),
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accrue-fast-path-'));
    server = await startServer({
      ACCRUE_STORE: `sqlite:${join(dir, 'log.db')}`,
      ACCRUE_API_KEYS: `acme:${KEY}`,
    });
    for (const [i, currency] of ['EUR', 'JPY', 'KWD'].entries()) {
      const created = await rest('/v1/invoices', {
        customer: { id: `cust-${i % 2}`, name: `Buyer ${i}`, email: 'ap@buyer.example' },
        currency,
        issue_date: '2026-03-01',
        payment_terms_days: 14,
        lines: [
          {
            description: 'Consulting',
            quantity: '3',
            unit_price: '120.5',
            tax_category: 'S',
            tax_rate: '19',
          },
          { description: 'Book', quantity: '1', unit_price: '20', tax_category: 'Z', tax_rate: '0' },
        ],
        allowances: [{ amount: '5', tax_category: 'S', tax_rate: '19', reason: 'Loyalty' }],
      });
      const id = String(created['id']);
      ids.push(id);
      await rest(`/v1/invoices/${id}/approve`, {});
    }
    await rest(`/v1/invoices/${ids[0] ?? ''}/payments`, { amount: '10.00', paid_at: '2026-03-05T10:00:00Z' });
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = (): ReadonlyArray<{
    readonly name: string;
    readonly query: string;
    readonly variables?: Record<string, unknown>;
  }> => [
    {
      name: 'invoice by id, every field',
      query: `query ($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`,
      variables: { id: ids[0] },
    },
    {
      name: 'invoice of another currency',
      query: `{ invoice(id: "${ids[1] ?? ''}") { ${INVOICE_FIELDS} } }`,
    },
    { name: 'unknown invoice', query: `{ invoice(id: "00000000-0000-4000-8000-000000000000") { id } }` },
    {
      name: 'connection with a variable page size',
      query: `query ($n: Int) { invoices(first: $n) { edges { cursor node { id number amountDue } } pageInfo { hasNextPage endCursor } } }`,
      variables: { n: 2 },
    },
    {
      name: 'customer with balance and statement',
      query: `{ customer(id: "cust-0") { id name balance { currency } statement(from: "2026-01-01", to: "2026-12-31") { from to currencies { currency openingBalance closingBalance lines { kind amount balance } } } } }`,
    },
    {
      name: 'aging, tax and revenue',
      query: `{ agingReport(asOf: "2026-04-01") { asOf currencies { currency buckets { current total } } } taxReport(from: "2026-01-01", to: "2026-12-31") { lines { currency category rate taxableAmount taxAmount } totals { currency taxAmount } } revenue(from: "2026-01", to: "2026-12") { month currency approved paid } }`,
    },
    {
      name: 'the audit trail with JSON data',
      query: `query ($id: ID!) { invoiceHistory(id: $id) { type version position eventId actor hash prevHash data } }`,
      variables: { id: ids[0] },
    },
    {
      name: 'aliases, fragments and __typename',
      query: `query { first: invoice(id: "${ids[2] ?? ''}") { ...f __typename } second: invoice(id: "${ids[0] ?? ''}") { ...f } } fragment f on Invoice { id totals { payableAmount } }`,
    },
    { name: 'a resolver refusal (bad date)', query: `{ agingReport(asOf: "2026-02-30") { asOf } }` },
    {
      name: 'a variable of the wrong type',
      query: `query ($n: Int) { invoices(first: $n) { edges { cursor } } }`,
      variables: { n: 'ten' },
    },
    { name: 'a validation error', query: `{ invoice(id: "x") { nope } }` },
    { name: 'a syntax error', query: `{ invoice(id: ` },
    { name: 'a page larger than allowed', query: `{ invoices(first: 1000) { edges { cursor } } }` },
  ];

  interface Answer {
    readonly status: number;
    readonly type: string | null;
    readonly body: unknown;
  }
  const shape = (answer: Answer): unknown => {
    const body = answer.body as {
      data?: unknown;
      errors?: ReadonlyArray<{ extensions?: { code?: string } }>;
    };
    return body.errors === undefined
      ? answer
      : {
          status: answer.status,
          type: answer.type,
          data: body.data,
          codes: body.errors.map((error) => error.extensions?.code),
        };
  };

  it('answers every query exactly as the full pipeline does', async () => {
    for (const { name, query, variables } of cases()) {
      pipelines.length = 0;
      // Twice: the first POST compiles, the second runs compiled.
      for (let round = 0; round < 2; round += 1) {
        const [fast, full] = [await viaPost(query, variables), await viaFullPipeline(query, variables)];
        // Mercurius words some errors differently before and after it compiles a query itself (graphql-js vs
        // graphql-jit messages), so errors are compared by status, data and codes; answers without errors whole.
        expect(shape(fast), `${name} (round ${String(round)})`).toEqual(shape(full));
      }
      // The fast path answered the queries that resolve without errors; mercurius everything else.
      const answeredFast = !JSON.stringify((await viaFullPipeline(query, variables)).body).includes(
        '"errors"',
      );
      expect(pipelines, name).toEqual(answeredFast ? ['fast', 'fast'] : ['full', 'full']);
    }
  });

  it('carries the position the answer reflects, which moves with new events', async () => {
    const query = `query ($id: ID!) { invoice(id: $id) { amountPaid } }`;
    const before = await viaPost(query, { id: ids[1] });
    await rest(`/v1/invoices/${ids[1] ?? ''}/payments`, { amount: '1', paid_at: '2026-03-06T10:00:00Z' });
    const after = await viaPost(query, { id: ids[1] });
    const positionOf = (answer: { body: unknown }) =>
      BigInt((answer.body as { extensions: { position: string } }).extensions.position);
    expect(positionOf(after)).toBeGreaterThan(positionOf(before));
    expect(after.body).toMatchObject({ data: { invoice: { amountPaid: '1' } } });
  });
});
