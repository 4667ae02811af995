import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CivilDate,
  CountryCode,
  CurrencyCode,
  DecimalString,
  DeliveryChannel,
  EmailAddress,
  NonEmptyString,
  Series,
  Timestamp,
  VatCategoryCode,
} from '@accrue/domain';

import { requestSchemas } from '../../packages/api/src/server/rest/requests.js';
import type { RunningServer } from './support/startServer.js';
import { startServer } from './support/startServer.js';

/**
 * Hostile bodies on every POST/PATCH route, over real HTTP against the real composition root. Each body is a
 * valid body with at least one mutation that makes it invalid by construction (wrong types, numbers for amounts,
 * bad dates and currencies, strings and arrays over their bounds, unknown and prototype-polluting keys, deep
 * nesting, missing required fields), optionally sent as broken bytes (invalid UTF-8, truncated JSON, another
 * content type). Every answer must be a 4xx within the timeout, and the event log must not grow.
 */

const KEY = 'fuzz-tenant-key-0123456789';
const RUNS = 250;
const BATCH = 20;
const REQUEST_TIMEOUT_MS = 15_000;

/** What a field holds, as the request specs define it (`packages/api/src/server/rest/requests.ts`). */
type Kind =
  | { readonly _tag: 'leaf'; readonly is: (u: unknown) => boolean; readonly tricky: ReadonlyArray<string> }
  | { readonly _tag: 'bounded'; readonly max: number }
  | { readonly _tag: 'terms' }
  | { readonly _tag: 'bool' }
  | { readonly _tag: 'object' }
  | { readonly _tag: 'array'; readonly max: number };

const leaf = (is: (u: unknown) => boolean, ...tricky: string[]): Kind => ({ _tag: 'leaf', is, tricky });
const decimal = leaf(
  DecimalString.is,
  '12.5e3',
  '1,00',
  ' 1.00',
  '1.00 ',
  '',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  '１２',
  '--1',
  '1.',
  '.5',
  '01.00',
  '+1',
  '9'.repeat(65),
);
const date = leaf(
  CivilDate.is,
  '2026-02-30',
  '2026-13-01',
  '2026-1-1',
  '20260301',
  '2026-03-01T00:00:00Z',
  '0000-00-00',
  '+002026-03-01',
  '2026-03-01\n',
);
const timestamp = leaf(
  Timestamp.is,
  'yesterday',
  '2026-03-05',
  '2026-03-05T10:00:00',
  '2026-02-30T10:00:00Z',
  '2026-03-05T25:00:00Z',
  '1741168800',
);
const currency = leaf(CurrencyCode.is, 'eur', 'EURO', 'XAU', '€', 'E U', 'XXX', 'EUR\u0000');
const text = leaf(NonEmptyString.is, '', 'x'.repeat(2001));
const email = leaf(EmailAddress.is, 'no-at-sign', '@', 'a@', 'x'.repeat(300) + '@example.com');
const country = leaf(CountryCode.is, 'de', 'DEU', 'D', '🇩🇪');
const series = leaf(Series.is, 'inv', 'INV/1', 'X'.repeat(17), '');
const taxCategory = leaf(VatCategoryCode.is, 'X', 's', 'SS', '');
const channel = leaf(DeliveryChannel.is, 'Email', 'e mail', '', 'x'.repeat(40), '-email');
const bounded = (max: number): Kind => ({ _tag: 'bounded', max });
const terms: Kind = { _tag: 'terms' };
const bool: Kind = { _tag: 'bool' };
const object: Kind = { _tag: 'object' };
const array = (max: number): Kind => ({ _tag: 'array', max });

interface Field {
  readonly path: ReadonlyArray<string | number>;
  readonly kind: Kind;
  readonly required: boolean;
  readonly nullable?: boolean;
}

const f = (path: string, kind: Kind, required = false, nullable = false): Field => ({
  path: path.split('.').map((step) => (/^\d+$/.test(step) ? Number(step) : step)),
  kind,
  required,
  nullable,
});

const customerFields = (prefix: string, required: boolean): Field[] => [
  f(prefix, object, required),
  f(`${prefix}.id`, text, true),
  f(`${prefix}.name`, text, true),
  f(`${prefix}.email`, email),
  f(`${prefix}.vat_number`, text),
  f(`${prefix}.address`, object),
  f(`${prefix}.address.line1`, text, true),
  f(`${prefix}.address.line2`, bounded(2000)),
  f(`${prefix}.address.city`, text, true),
  f(`${prefix}.address.postal_code`, bounded(32), true),
  f(`${prefix}.address.country`, country, true),
];

const lineFields = (prefix: string, required: boolean): Field[] => [
  f(prefix, array(500), required),
  f(`${prefix}.0`, object),
  f(`${prefix}.0.description`, bounded(2000)),
  f(`${prefix}.0.quantity`, decimal, true),
  f(`${prefix}.0.unit_price`, decimal, true),
  f(`${prefix}.0.base_quantity`, decimal),
  f(`${prefix}.0.unit_code`, bounded(16)),
  f(`${prefix}.0.tax_category`, taxCategory, true),
  f(`${prefix}.0.tax_rate`, decimal),
  f(`${prefix}.0.allowances`, array(50)),
  f(`${prefix}.0.allowances.0`, object),
  // exactly one of amount and percent: removing the only one is as invalid as removing a required field
  f(`${prefix}.0.allowances.0.amount`, decimal, true),
  f(`${prefix}.0.allowances.0.reason`, bounded(2000)),
  f(`${prefix}.0.charges`, array(50)),
  f(`${prefix}.0.charges.0.percent`, decimal, true),
];

const validLine = {
  description: 'Consulting',
  quantity: '10',
  unit_price: '100.00',
  base_quantity: '1',
  unit_code: 'HUR',
  tax_category: 'S',
  tax_rate: '19',
  allowances: [{ amount: '1.00', reason: 'loyalty' }],
  charges: [{ percent: '5' }],
};

const validCustomer = {
  id: 'cust-1',
  name: 'Buyer GmbH',
  email: 'ap@buyer.example',
  vat_number: 'DE123456789',
  address: { line1: 'Hauptstr. 1', line2: 'Hof', city: 'Berlin', postal_code: '10115', country: 'DE' },
};

const contentFields: Field[] = [
  f('issue_date', date),
  f('payment_terms_days', terms),
  f('series', series),
  f('prices_include_tax', bool),
  f('allowances', array(50)),
  f('allowances.0', object),
  f('allowances.0.amount', decimal, true),
  f('allowances.0.tax_category', taxCategory, true),
  f('allowances.0.tax_rate', decimal),
  f('allowances.0.reason', bounded(2000)),
  f('charges', array(50)),
  f('charges.0.percent', decimal, true),
  f('charges.0.tax_category', taxCategory, true),
];

const validContent = {
  issue_date: '2026-03-01',
  payment_terms_days: 14,
  series: 'INV',
  prices_include_tax: false,
  allowances: [{ amount: '1.00', tax_category: 'S', tax_rate: '19', reason: 'early' }],
  charges: [{ percent: '2', tax_category: 'S', tax_rate: '19' }],
};

/** A route, a valid body for it, and the fields a mutation may break. */
interface Route {
  readonly name: string;
  readonly schema: string;
  readonly method: 'POST' | 'PATCH';
  /** The path, for an invoice that exists in the state the route needs (so a valid body would be recorded). */
  readonly path: (ids: Ids) => string;
  readonly withId: (id: string) => string;
  readonly valid: Record<string, unknown>;
  readonly fields: ReadonlyArray<Field>;
  /** Whether an empty object is a valid body (then a literal `null` body, read as "no body", is too). */
  readonly emptyIsValid: boolean;
}

interface Ids {
  readonly draft: string;
  readonly issued: string;
}

const routes: ReadonlyArray<Route> = [
  {
    name: 'create',
    schema: 'CreateInvoice',
    method: 'POST',
    path: () => '/v1/invoices',
    withId: () => '/v1/invoices',
    valid: {
      customer: validCustomer,
      currency: 'EUR',
      lines: [validLine],
      ...validContent,
      notes: 'n',
      reference: 'r',
    },
    fields: [
      ...customerFields('customer', true),
      f('currency', currency, true),
      ...lineFields('lines', true),
      ...contentFields,
      f('notes', bounded(10_000)),
      f('reference', bounded(200)),
    ],
    emptyIsValid: false,
  },
  {
    name: 'patch',
    schema: 'PatchInvoice',
    method: 'PATCH',
    path: (ids) => `/v1/invoices/${ids.draft}`,
    withId: (id) => `/v1/invoices/${id}`,
    valid: {
      customer: validCustomer,
      currency: 'EUR',
      lines: [validLine],
      ...validContent,
      notes: null,
      reference: 'r2',
    },
    fields: [
      ...customerFields('customer', false),
      f('currency', currency),
      ...lineFields('lines', false),
      ...contentFields,
      f('notes', bounded(10_000), false, true),
      f('reference', bounded(200), false, true),
    ],
    emptyIsValid: true,
  },
  {
    name: 'approve',
    schema: 'Approve',
    method: 'POST',
    path: (ids) => `/v1/invoices/${ids.draft}/approve`,
    withId: (id) => `/v1/invoices/${id}/approve`,
    valid: {},
    fields: [],
    emptyIsValid: true,
  },
  {
    name: 'send',
    schema: 'Send',
    method: 'POST',
    path: (ids) => `/v1/invoices/${ids.issued}/send`,
    withId: (id) => `/v1/invoices/${id}/send`,
    valid: { channel: 'email' },
    fields: [f('channel', channel, true)],
    emptyIsValid: false,
  },
  {
    name: 'payments',
    schema: 'Payment',
    method: 'POST',
    path: (ids) => `/v1/invoices/${ids.issued}/payments`,
    withId: (id) => `/v1/invoices/${id}/payments`,
    valid: { amount: '1.00', paid_at: '2026-03-05T10:00:00Z', reference: 'bank-1' },
    fields: [f('amount', decimal, true), f('paid_at', timestamp, true), f('reference', bounded(200))],
    emptyIsValid: false,
  },
  ...(['void', 'write-off'] as const).map((action): Route => ({
    name: action,
    schema: 'Reason',
    method: 'POST',
    path: (ids) => `/v1/invoices/${ids.issued}/${action}`,
    withId: (id) => `/v1/invoices/${id}/${action}`,
    valid: { reason: 'a reason' },
    fields: [f('reason', text, true)],
    emptyIsValid: false,
  })),
  {
    name: 'credit-notes',
    schema: 'CreditNote',
    method: 'POST',
    path: (ids) => `/v1/invoices/${ids.issued}/credit-notes`,
    withId: (id) => `/v1/invoices/${id}/credit-notes`,
    valid: { amount: '1.00', reason: 'goodwill' },
    // exactly one of amount and lines: amount stands for both
    fields: [f('amount', decimal, true), f('reason', text, true)],
    emptyIsValid: false,
  },
];

/** Every field name any request knows: an injected key outside this set is unknown wherever it lands. */
const knownNames = new Set<string>();
const collectNames = (schema: unknown): void => {
  if (typeof schema !== 'object' || schema === null) return;
  const properties = (schema as { properties?: Record<string, unknown> }).properties;
  if (properties !== undefined)
    for (const [name, inner] of Object.entries(properties)) {
      knownNames.add(name);
      collectNames(inner);
    }
  const items = (schema as { items?: unknown }).items;
  collectNames(items);
  for (const variant of (schema as { oneOf?: unknown[] }).oneOf ?? []) collectNames(variant);
};
for (const spec of Object.values(requestSchemas)) collectNames(spec.schema);

/** JSON text spliced in verbatim (deep nesting the test process could not stringify itself). */
class Raw {
  constructor(readonly text: string) {}
}

const nested = (depth: number, open: string, close: string, inner = '1'): Raw =>
  new Raw(open.repeat(depth) + inner + close.repeat(depth));

// ----- values -----

const junkLeaf = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0.1 + 0.2, 1e21, -0, 12.5, Number.MAX_SAFE_INTEGER + 2, 5e-324),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\ud800', 'a\udfffb', '\ud83d', '\u0000', '\ufeff', '\u202e', '%00', '${x}', '<script>'),
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: junkLeaf },
  { weight: 1, arbitrary: fc.array(junkLeaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), junkLeaf, { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ depth: fc.integer({ min: 50, max: 20_000 }), arrays: fc.boolean() })
      .map(({ depth, arrays }) => (arrays ? nested(depth, '[', ']') : nested(depth, '{"a":', '}'))),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => Array.from({ length: n }, () => 0)),
  },
);

const isJsonString = (u: unknown): u is string => typeof u === 'string';

/** A value no field of this kind accepts. */
const invalidFor = (field: Field): fc.Arbitrary<unknown> => {
  const notNull = (u: unknown): boolean => !(field.nullable === true && u === null);
  const { kind } = field;
  switch (kind._tag) {
    case 'leaf':
      return fc
        .oneof(
          junk,
          fc.constantFrom(...kind.tricky),
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 40 }),
        )
        .filter((u) => u instanceof Raw || !kind.is(u))
        .filter(notNull);
    case 'bounded':
      return fc
        .oneof(
          junk.filter((u) => !isJsonString(u) || u.length > kind.max),
          fc.integer({ min: kind.max + 1, max: kind.max + 5_000 }).map((n) => '\ud800'.repeat(n)),
        )
        .filter(notNull);
    case 'terms':
      return fc.oneof(
        junk.filter((u) => !(typeof u === 'number' && Number.isInteger(u) && u >= 0 && u <= 3660)),
        fc.constantFrom(3661, -1, 14.5, '14', 1e9),
      );
    case 'bool':
      return junk.filter((u) => typeof u !== 'boolean');
    case 'object':
      return junk.filter((u) => u instanceof Raw || typeof u !== 'object' || u === null || Array.isArray(u));
    case 'array':
      return fc.oneof(
        junk.filter((u) => u instanceof Raw || !Array.isArray(u) || u.length > kind.max),
        fc
          .integer({ min: kind.max + 1, max: kind.max + 2_000 })
          .map((n) => Array.from({ length: n }, () => ({}))),
        fc.constant([null]),
        fc.constant([[[[[[[[[[]]]]]]]]]]),
        fc.constant([nested(5_000, '[', ']')]),
      );
  }
};

const hostileKey = fc
  .oneof(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '__defineGetter__',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '',
      ' ',
      'Amount',
      'amount ',
      'CURRENCY',
      'customer\u0000',
      '\ud800',
      'a'.repeat(10_000),
    ),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  )
  .filter((key) => !knownNames.has(key));

// ----- mutations -----

type Mutation =
  | { readonly _tag: 'set'; readonly path: ReadonlyArray<string | number>; readonly value: unknown }
  | { readonly _tag: 'remove'; readonly path: ReadonlyArray<string | number> }
  | {
      readonly _tag: 'inject';
      readonly path: ReadonlyArray<string | number>;
      readonly key: string;
      readonly value: unknown;
    }
  | { readonly _tag: 'constructorPoison' }
  | { readonly _tag: 'replace'; readonly value: unknown }
  | { readonly _tag: 'dueDateAndTerms' };

const mutationFor = (route: Route): fc.Arbitrary<Mutation> => {
  const objects = [[], ...route.fields.filter((field) => field.kind._tag === 'object').map((x) => x.path)];
  const options: Array<fc.Arbitrary<Mutation>> = [
    fc
      .record({ path: fc.constantFrom(...objects), key: hostileKey, value: junk })
      .map(({ path, key, value }): Mutation => ({ _tag: 'inject', path, key, value })),
    fc.constant<Mutation>({ _tag: 'constructorPoison' }),
    junk
      .filter(
        (value) =>
          value instanceof Raw || typeof value !== 'object' || value === null || Array.isArray(value),
      )
      // A literal null body reads as "no body": valid where an empty object is (reported separately).
      .filter((value) => !(route.emptyIsValid && value === null))
      .map((value): Mutation => ({ _tag: 'replace', value })),
  ];
  if (route.fields.length > 0) {
    options.push(
      fc
        .constantFrom(...route.fields)
        .chain((field) =>
          invalidFor(field).map((value): Mutation => ({ _tag: 'set', path: field.path, value })),
        ),
    );
  }
  const required = route.fields.filter((field) => field.required);
  if (required.length > 0)
    options.push(
      fc.constantFrom(...required).map((field): Mutation => ({ _tag: 'remove', path: field.path })),
    );
  if (route.schema === 'CreateInvoice' || route.schema === 'PatchInvoice')
    options.push(fc.constant<Mutation>({ _tag: 'dueDateAndTerms' }));
  return fc.oneof(...options);
};

const defineOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

/** The object at `path`, if the body still has one there. */
const objectAt = (
  body: unknown,
  path: ReadonlyArray<string | number>,
): Record<string, unknown> | undefined => {
  let current = body;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || current instanceof Raw) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return typeof current === 'object' && current !== null && !(current instanceof Raw)
    ? (current as Record<string, unknown>)
    : undefined;
};

/** Applies a mutation; false when it could not (its target was already broken by an earlier one). */
const apply = (body: { root: unknown }, mutation: Mutation): boolean => {
  switch (mutation._tag) {
    case 'replace':
      body.root = mutation.value;
      return true;
    case 'constructorPoison': {
      const target = objectAt(body.root, []);
      if (target === undefined) return false;
      defineOwn(target, 'constructor', { prototype: { polluted: true } });
      return true;
    }
    case 'dueDateAndTerms': {
      const target = objectAt(body.root, []);
      if (target === undefined) return false;
      target['due_date'] = '2026-04-01';
      target['payment_terms_days'] = 14;
      return true;
    }
    case 'inject': {
      const target = objectAt(body.root, mutation.path);
      if (target === undefined) return false;
      defineOwn(target, mutation.key, mutation.value);
      return true;
    }
    case 'set':
    case 'remove': {
      const parent = objectAt(body.root, mutation.path.slice(0, -1));
      const last = mutation.path.at(-1);
      if (parent === undefined || last === undefined || !(last in parent)) return false;
      if (mutation._tag === 'remove') {
        if (Array.isArray(parent)) return false;
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the mutation removes a field by name
        delete parent[last];
      } else defineOwn(parent, String(last), mutation.value);
      return true;
    }
  }
};

const serialise = (value: unknown): string => {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Raw) {
      raws.push(inner.text);
      return `\u0000RAW${String(raws.length - 1)}\u0000`;
    }
    return inner;
  });
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)] ?? '');
};

type Encoding =
  | { readonly _tag: 'json' }
  | { readonly _tag: 'badBytes'; readonly at: number; readonly bytes: ReadonlyArray<number> }
  | { readonly _tag: 'truncate'; readonly at: number }
  | { readonly _tag: 'contentType'; readonly type: string }
  | { readonly _tag: 'bom' };

const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Encoding>({ _tag: 'json' }) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        at: fc.nat(),
        bytes: fc.constantFrom(
          [0xff],
          [0xc3, 0x28],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0x80],
          [0xc0, 0xaf],
        ),
      })
      .map((e): Encoding => ({ _tag: 'badBytes', ...e })),
  },
  { weight: 1, arbitrary: fc.nat().map((at): Encoding => ({ _tag: 'truncate', at })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/jsonx',
      )
      .map((type): Encoding => ({ _tag: 'contentType', type })),
  },
  { weight: 1, arbitrary: fc.constant<Encoding>({ _tag: 'bom' }) },
);

interface Case {
  readonly route: Route;
  readonly mutations: ReadonlyArray<Mutation>;
  readonly encoding: Encoding;
  /** A hostile invoice id in the path instead of the real one (a 404 is as good as a 400). */
  readonly hostileId: string | undefined;
}

const caseArb: fc.Arbitrary<Case> = fc.constantFrom(...routes).chain((route) =>
  fc.record({
    route: fc.constant(route),
    mutations: fc.array(mutationFor(route), { minLength: 1, maxLength: 3 }),
    encoding,
    hostileId: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.constantFrom('..%2F..%2Fetc', '%00', '%E2%80%8B', 'a'.repeat(5_000), '%F0%9F%92%A9', '%ff%fe'),
          fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
        ),
      },
    ),
  }),
);

interface Request {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly payload: Uint8Array | string;
  /** False when every mutation missed its target: the body is still valid, so the case is skipped. */
  readonly broken: boolean;
}

const build = (testCase: Case, ids: Ids): Request => {
  const body = { root: structuredClone(testCase.route.valid) as unknown };
  let broken = false;
  for (const mutation of testCase.mutations) broken = apply(body, mutation) || broken;
  const text = serialise(body.root);
  const path =
    testCase.hostileId === undefined ? testCase.route.path(ids) : testCase.route.withId(testCase.hostileId);
  const base = { method: testCase.route.method, path, broken };
  const { encoding: enc } = testCase;
  switch (enc._tag) {
    case 'json':
      return { ...base, contentType: 'application/json', payload: text };
    case 'bom':
      return { ...base, contentType: 'application/json', payload: `\ufeff${text}` };
    case 'contentType':
      return { ...base, contentType: enc.type, payload: text };
    case 'truncate':
      // A strict prefix of a JSON text is never JSON when the text is an object or an array.
      return {
        ...base,
        broken: broken || text.startsWith('{') || text.startsWith('['),
        contentType: 'application/json',
        payload: text.slice(0, enc.at % Math.max(1, text.length)),
      };
    case 'badBytes': {
      const bytes = Buffer.from(text, 'utf8');
      const at = enc.at % (bytes.length + 1);
      return {
        ...base,
        contentType: 'application/json',
        payload: Buffer.concat([bytes.subarray(0, at), Buffer.from(enc.bytes), bytes.subarray(at)]),
      };
    }
  }
};

let dir: string;
let server: RunningServer;
let ids: Ids;

const readLog = async () => {
  const batch = await server.runtime.store.readAll({ maxCount: 1_000_000 })();
  if (E.isLeft(batch)) throw new Error(batch.left._tag);
  return batch.right.events;
};

const logSize = async (): Promise<number> => (await readLog()).length;

/** The events appended since the log had `size` events, for the failure message. */
const appendedSince = async (size: number): Promise<string> =>
  JSON.stringify(
    (await readLog())
      .slice(size)
      .map(({ streamName, type, data, metadata }) => ({ streamName, type, data, metadata })),
  );

const json = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'accrue-fuzz-'));
  server = await startServer({
    ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
    ACCRUE_API_KEYS: `fuzz:${KEY}`,
  });
  const valid = routes.find((route) => route.name === 'create')?.valid;
  const draft = await json('POST', '/v1/invoices', valid);
  const issued = await json('POST', '/v1/invoices', valid);
  await json('POST', `/v1/invoices/${String(issued['id'])}/approve`);
  ids = { draft: String(draft['id']), issued: String(issued['id']) };
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile request bodies', () => {
  it('starts from bodies the server accepts, so every mutation is what makes a body invalid', () => {
    for (const route of routes) {
      const spec = requestSchemas[route.schema];
      expect(spec, route.schema).toBeDefined();
      expect(E.isRight(spec!.codec.decode(route.valid)), route.name).toBe(true);
      for (const field of route.fields)
        expect(objectAt(route.valid, field.path.slice(0, -1)), field.path.join('.')).toBeDefined();
    }
    expect(knownNames.has('unit_price')).toBe(true);
    expect(knownNames.has('__proto__')).toBe(false);
  });

  it(`answers ${String(RUNS * BATCH)} hostile bodies with 4xx, in time, and records nothing`, async () => {
    const before = await logSize();
    let sent = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const requests = cases.map((testCase) => build(testCase, ids));
        const answers = await Promise.all(
          requests.map(async (request) => {
            if (!request.broken) return { request, status: 400, text: 'skipped: the body is still valid' };
            const response = await fetch(`${server.url}${request.path}`, {
              method: request.method,
              headers: {
                authorization: `Bearer ${KEY}`,
                ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
              },
              body: request.payload,
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            sent += 1;
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            return { request, status: response.status, text: await response.text() };
          }),
        );
        for (const { request, status, text: answer } of answers) {
          const shown =
            typeof request.payload === 'string'
              ? request.payload
              : Buffer.from(request.payload).toString('latin1');
          const context = `${request.method} ${request.path.slice(0, 120)} ${request.contentType ?? ''} → ${String(status)} ${answer.slice(0, 300)}\nbody: ${shown.slice(0, 400)}`;
          expect(status, context).toBeGreaterThanOrEqual(400);
          expect(status, context).toBeLessThan(500);
        }
        const size = await logSize();
        if (size !== before) {
          const batch = answers
            .map(
              ({ request, status }) =>
                `${request.method} ${request.path.slice(0, 80)} → ${String(status)}: ${
                  typeof request.payload === 'string' ? request.payload.slice(0, 300) : '(bytes)'
                }`,
            )
            .join('\n');
          expect.fail(`the log grew: ${await appendedSince(before)}\nin a batch of:\n${batch}`);
        }
      }),
      { numRuns: RUNS, endOnFailure: false },
    );
    expect(sent).toBeGreaterThanOrEqual(5_000);
    console.log(`fuzz: ${String(sent)} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(await logSize()).toBe(before);
  }, 180_000);
});
