/**
 * The OpenAPI document as the real server serves it at `/openapi.json`: valid OpenAPI 3.1 by the official JSON
 * Schema (through `@seriousme/openapi-schema-validator`), every schema in it a valid JSON Schema 2020-12 for a
 * strict Ajv, every REST route documented with its methods (and nothing documented that is not served), and the
 * request schemas refusing what the server refuses for sample bodies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Validator } from '@seriousme/openapi-schema-validator';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

const KEY = 'tenant-a-key-0123456789';

type JsonObject = Record<string, unknown>;

// Ajv comes with the validator (which validates with it); loaded from there, it needs no dependency of its own.
interface ValidateFunction {
  (data: unknown): boolean;
  readonly errors?: ReadonlyArray<{ readonly instancePath: string; readonly message?: string }> | null;
}
interface Ajv {
  addSchema(schema: JsonObject, key: string): Ajv;
  getSchema(key: string): ValidateFunction | undefined;
  compile(schema: JsonObject): ValidateFunction;
}
type AjvConstructor = new (options: JsonObject) => Ajv;
const fromValidator = createRequire(
  createRequire(import.meta.url).resolve('@seriousme/openapi-schema-validator'),
);
/** A CommonJS module's export, behind `default` or not. */
const moduleDefault = (loaded: unknown): unknown => (loaded as { default?: unknown }).default ?? loaded;
const Ajv2020 = moduleDefault(fromValidator('ajv/dist/2020.js')) as AjvConstructor;
const addFormats = moduleDefault(fromValidator('ajv-formats')) as (ajv: Ajv) => Ajv;

/**
 * A strict Ajv (unknown keywords, unknown formats and ill-formed schemas are errors, not ignored) holding the
 * document's component schemas as one schema resource, `#/components/schemas/X` references rewritten to
 * `#/$defs/X` (the rest of the document is not JSON Schema).
 */
const SCHEMAS_ID = 'https://accrue.test/openapi-schemas.json';
const schemaAjv = (document: JsonObject): Ajv => {
  const ajv = addFormats(
    // `strictRequired` is off: `oneOf: [{ required: ['amount'] }, …]` (exactly one of two fields) is the usual
    // idiom, though the branches do not repeat the properties.
    new Ajv2020({
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
      allErrors: true,
      validateFormats: true,
    }),
  );
  const components = JSON.stringify((document['components'] as { schemas: JsonObject }).schemas);
  const defs = JSON.parse(components.replaceAll('"#/components/schemas/', '"#/$defs/')) as JsonObject;
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: defs }, SCHEMAS_ID);
  return ajv;
};
const componentRef = (ref: string): string =>
  ref.replace(/^#\/components\/schemas\//, `${SCHEMAS_ID}#/$defs/`);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The routes the app serves, from Fastify's route tree (`printRoutes({ commonPrefix: false })`): each line is
 * `├── /segment (METHOD, …)` indented four characters per level, a child's segment appended to its parent's.
 */
const servedRoutes = (tree: string): ReadonlyMap<string, ReadonlySet<string>> => {
  const routes = new Map<string, Set<string>>();
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = `${stack.join('')}${match[2] ?? ''}`;
    stack.push(match[2] ?? '');
    if (match[3] === undefined) continue;
    const methods = routes.get(path) ?? new Set<string>();
    for (const method of match[3].split(', ')) methods.add(method.toLowerCase());
    routes.set(path, methods);
  }
  return routes;
};

const draft = (overrides: JsonObject = {}): JsonObject => ({
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
    { description: 'Consulting', quantity: '10', unit_price: '100.00', tax_category: 'S', tax_rate: '19' },
    {
      quantity: '1',
      unit_price: '200.00',
      tax_category: 'S',
      tax_rate: '19',
      allowances: [{ percent: '10', reason: 'loyalty' }],
    },
  ],
  ...overrides,
});

const line = { quantity: '1', unit_price: '10.00', tax_category: 'S', tax_rate: '19' };

describe('OpenAPI document', () => {
  let dir: string;
  let server: RunningServer;
  let document: JsonObject;
  let keyCounter = 0;

  const post = async (path: string, body: unknown): Promise<{ status: number; body: JsonObject }> => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'idempotency-key': `openapi-${String(++keyCounter)}`,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  };

  const logSize = async (): Promise<number> => {
    const batch = await server.runtime.store.readAll({ maxCount: 1_000_000 })();
    if (E.isLeft(batch)) throw new Error(batch.left._tag);
    return batch.right.events.length;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accrue-openapi-'));
    server = await startServer({
      ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
      ACCRUE_API_KEYS: `acme:${KEY}`,
    });
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as JsonObject;
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const schemas = (): JsonObject => (document['components'] as { schemas: JsonObject }).schemas;
  const paths = (): Readonly<Record<string, JsonObject>> => document['paths'] as Record<string, JsonObject>;

  it('is valid OpenAPI 3.1 by the official schema, and every $ref resolves', async () => {
    expect(document['openapi']).toBe('3.1.0');
    const validator = new Validator({ strict: false });
    // The validator resolves $refs in the object it is given: hand it a copy.
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator resolved every $ref while validating; resolving again gives a document without dangling ones.
    expect(JSON.stringify(validator.resolveRefs())).not.toContain('"$ref":"#/');
  });

  it('holds only JSON Schema 2020-12 that a strict Ajv compiles (no unknown keyword or format)', () => {
    const ajv = schemaAjv(document);
    expect(Object.keys(schemas()).length).toBeGreaterThanOrEqual(10);
    for (const name of Object.keys(schemas())) {
      const ref = componentRef(`#/components/schemas/${name}`);
      expect(() => ajv.getSchema(ref), name).not.toThrow();
      expect(ajv.getSchema(ref), name).toBeTypeOf('function');
    }
  });

  it('documents every route of the REST API with its methods, and only those', () => {
    const served = servedRoutes(server.app.printRoutes({ commonPrefix: false }));
    const rest = new Map(
      [...served]
        .filter(([path]) => path.startsWith('/v1/'))
        .map(([path, methods]) => [
          path.replace(/:([A-Za-z_]+)/g, '{$1}'),
          // Fastify adds HEAD to every GET; the document describes GET.
          [...methods].filter((method) => method !== 'head').sort(),
        ]),
    );
    expect(rest.size).toBeGreaterThanOrEqual(10);
    const documented = new Map(
      Object.entries(paths()).map(([path, item]) => [
        path,
        HTTP_METHODS.filter((method) => method in item).sort(),
      ]),
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(rest));
    // And from the other side, asked of the router itself rather than of its printout.
    for (const [path, methods] of documented) {
      for (const method of methods) {
        expect(
          server.app.hasRoute({
            method: method.toUpperCase(),
            url: path.replace(/\{(\w+)\}/g, ':$1'),
          }),
          `${method.toUpperCase()} ${path}`,
        ).toBe(true);
      }
    }
  });

  it('declares the path parameters of every templated path, and a response for every operation', () => {
    for (const [path, item] of Object.entries(paths())) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const method of HTTP_METHODS) {
        const operation = item[method] as
          { parameters?: ReadonlyArray<{ name: string; in: string }>; responses?: JsonObject } | undefined;
        if (operation === undefined) continue;
        const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(inPath.sort(), `${method} ${path}`).toEqual([...templated].sort());
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  describe('request schemas agree with the server', () => {
    const requestSchema = (path: string, method: string): ValidateFunction => {
      const operation = paths()[path]?.[method] as {
        requestBody: { content: { 'application/json': { schema: { $ref: string } } } };
      };
      return schemaAjv(document).compile({
        $ref: componentRef(operation.requestBody.content['application/json'].schema.$ref),
      });
    };

    it('accepts what the server accepts', async () => {
      const create = requestSchema('/v1/invoices', 'post');
      const payment = requestSchema('/v1/invoices/{id}/payments', 'post');
      const accepted: ReadonlyArray<JsonObject> = [
        draft(),
        draft({ payment_terms_days: undefined, due_date: '2026-04-01' }),
        draft({ lines: [{ ...line, allowances: [{ amount: '1.00' }], charges: [{ percent: '5' }] }] }),
        draft({ allowances: [{ amount: '1.00', tax_category: 'S', tax_rate: '19' }], series: 'EXP-1' }),
        draft({ prices_include_tax: true, notes: 'n', reference: 'r' }),
      ].map((body) => JSON.parse(JSON.stringify(body)) as JsonObject);
      for (const body of accepted) {
        expect(create(body), JSON.stringify(create.errors)).toBe(true);
        const created = await post('/v1/invoices', body);
        expect(created.status, JSON.stringify(created.body)).toBe(201);
      }
      const id = String((await post('/v1/invoices', draft())).body['id']);
      expect((await post(`/v1/invoices/${id}/approve`, {})).status).toBe(200);
      const paymentBody = { amount: '10.00', paid_at: '2026-03-02T08:00:00Z', reference: 'bank-1' };
      expect(payment(paymentBody), JSON.stringify(payment.errors)).toBe(true);
      expect((await post(`/v1/invoices/${id}/payments`, paymentBody)).status).toBe(200);
    });

    it('refuses what the server refuses with 400, appending nothing', async () => {
      const create = requestSchema('/v1/invoices', 'post');
      const refused: ReadonlyArray<{ readonly body: unknown; readonly path: string }> = [
        { body: draft({ lines: [{ ...line, unit_price: 10.5 }] }), path: 'lines[0].unit_price' },
        { body: draft({ lines: [{ ...line, quantity: 1 }] }), path: 'lines[0].quantity' },
        { body: draft({ lines: [{ ...line, quantity: '1e3' }] }), path: 'lines[0].quantity' },
        { body: draft({ lines: [line, { ...line, tax_category: 'X' }] }), path: 'lines[1].tax_category' },
        { body: draft({ surprise: true }), path: 'surprise' },
        { body: draft({ issue_date: '2026-02-30' }), path: 'issue_date' },
        { body: draft({ currency: 'EURO' }), path: 'currency' },
        { body: draft({ currency: 'XAU' }), path: 'currency' },
        { body: draft({ due_date: '2026-04-01' }), path: 'payment_terms_days' },
        { body: draft({ notes: 'x'.repeat(20_000) }), path: 'notes' },
        { body: draft({ lines: Array.from({ length: 501 }, () => line) }), path: 'lines' },
        { body: draft({ currency: undefined }), path: 'currency' },
        { body: draft({ payment_terms_days: -1 }), path: 'payment_terms_days' },
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
        { body: draft({ customer: { id: 'c', name: 'n', email: 'not an email' } }), path: 'customer.email' },
        {
          body: draft({ lines: [{ ...line, allowances: [{ amount: '1', percent: '2' }] }] }),
          path: 'lines[0].allowances[0].percent',
        },
        {
          body: draft({ lines: [{ ...line, allowances: [{ reason: 'none' }] }] }),
          path: 'lines[0].allowances[0]',
        },
        { body: [draft()], path: '' },
      ];
      const size = await logSize();
      for (const { body, path } of refused) {
        const wire = JSON.parse(JSON.stringify(body)) as unknown;
        expect(create(wire), `schema accepts ${path}`).toBe(false);
        const answer = await post('/v1/invoices', wire);
        expect(answer.status, path).toBe(400);
        const details = (answer.body['error'] as { details: ReadonlyArray<{ path: string }> }).details;
        expect(
          details.map((detail) => detail.path),
          path,
        ).toContain(path);
      }
      expect(await logSize()).toBe(size);
    });

    it('documents the payment, reason and credit-note bodies as the server reads them', async () => {
      const id = String((await post('/v1/invoices', draft())).body['id']);
      expect((await post(`/v1/invoices/${id}/approve`, {})).status).toBe(200);
      const cases: ReadonlyArray<{ path: string; body: unknown; ok: boolean }> = [
        { path: 'payments', body: { amount: '1.00' }, ok: false },
        { path: 'payments', body: { amount: '1.00', paid_at: '2026-03-02' }, ok: false },
        { path: 'payments', body: { amount: 1, paid_at: '2026-03-02T08:00:00Z' }, ok: false },
        { path: 'send', body: { channel: 'Email' }, ok: false },
        { path: 'send', body: {}, ok: false },
        { path: 'void', body: { reason: '' }, ok: false },
        { path: 'credit-notes', body: { reason: 'r' }, ok: false },
        { path: 'credit-notes', body: { reason: 'r', amount: '1.00', lines: [line] }, ok: false },
        { path: 'credit-notes', body: { reason: 'goodwill', amount: '10.00' }, ok: true },
        { path: 'send', body: { channel: 'email' }, ok: true },
      ];
      for (const { path, body, ok } of cases) {
        const schema = requestSchema(`/v1/invoices/{id}/${path}`, 'post');
        expect(schema(body), `${path} ${JSON.stringify(body)}`).toBe(ok);
        const answer = await post(`/v1/invoices/${id}/${path}`, body);
        if (ok) expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
        else expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      }
    });
  });
});
