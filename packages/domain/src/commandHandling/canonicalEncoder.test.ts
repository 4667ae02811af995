import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { creditNoteAggregate, invoiceAggregate, numberSeriesAggregate } from '../application/aggregates.js';
import { decimal } from '../money/decimal.js';
import { providerSyncAggregate } from '../providerSync/decider.js';
import { decode } from '../testing/decode.js';
import type { CanonicalEvent } from './canonicalEncoder.js';
import { encodeEventCanonically, encodeEventGenerically } from './canonicalEncoder.js';

type EventCodec = t.Type<unknown, { readonly type: string; readonly data: unknown }>;

/** Stored events of every type, with most optional fields present somewhere, as they travel. */
const S25 = { category: 'S', rate: '25' };
const content = {
  allowances: [{ percent: '5', baseAmount: '200.00', reason: 'volume', vat: S25 }],
  charges: [
    { amount: '12.50', reasonCode: 'FC', vat: { category: 'E', exemptionReason: 'exempt', rate: '0' } },
  ],
  currency: 'EUR',
  customer: {
    id: 'cust-1',
    name: 'Buyer GmbH',
    email: 'ap@buyer.example',
    vatNumber: 'DE123456789',
    address: { line1: 'Hauptstr. 1', line2: 'Hof', city: 'Berlin', postalCode: '10115', country: 'DE' },
  },
  dueDate: '2026-03-31',
  issueDate: '2026-03-01',
  lines: [
    { id: '1', netPrice: '100.00', quantity: '2', vat: S25, description: 'Consulting', unitCode: 'HUR' },
    {
      id: '2',
      grossPrice: '50.00',
      priceDiscount: '5.00',
      baseQuantity: '10',
      quantity: '3.5',
      vat: { category: 'Z', rate: '0' },
      allowances: [{ amount: '1.00' }],
      charges: [{ percent: '2.5', reason: 'handling', baseAmount: '7' }],
      pricesIncludeTax: true,
    },
  ],
  paymentTermsDays: 30,
  pricesIncludeTax: false,
  rounding: 'half_away_from_zero',
  series: 'INV',
  documentType: 'invoice',
  prepaidAmount: '10.00',
  payableRoundingAmount: '0.01',
  notes: 'thanks "quoted" \\ \u0001 ünïcode \ud83d\ude00',
  reference: 'PO-7',
};
const totals = {
  allowanceTotalAmount: '10.00',
  chargeTotalAmount: '12.50',
  lineExtensionAmount: '342.50',
  payableAmount: '400.00',
  payableRoundingAmount: '0.01',
  prepaidAmount: '10.00',
  taxAmount: '55.00',
  taxExclusiveAmount: '345.00',
  taxInclusiveAmount: '400.00',
};
const vatBreakdown = [
  { category: 'S', rate: '25', taxAmount: '55.00', taxableAmount: '220.00' },
  {
    category: 'O',
    exemptionReason: 'not subject',
    exemptionReasonCode: 'VATEX-EU-O',
    taxAmount: '0.00',
    taxableAmount: '125.00',
  },
];
const at = '2026-03-01T10:00:00Z';
const sync = {
  invoiceId: 'inv-1',
  provider: 'stripe',
  operation: 'issue',
  sourceEventId: 'e5fbac30-3ec9-59eb-9f32-6307ba5cf3c9',
  attempt: 2,
};

const invoice = invoiceAggregate.events.codec as unknown as EventCodec;
const creditNote = creditNoteAggregate.events.codec as unknown as EventCodec;
const numberSeries = numberSeriesAggregate.events.codec as unknown as EventCodec;
const providerSync = providerSyncAggregate.events.codec as unknown as EventCodec;
const codecs = [invoice, creditNote, numberSeries, providerSync];

const stored: ReadonlyArray<readonly [EventCodec, string, Record<string, unknown>]> = [
  [invoice, 'InvoiceDraftCreated', { invoiceId: 'inv-1', tenantId: 't1', content, createdAt: at }],
  [
    invoice,
    'InvoiceDraftRevised',
    { invoiceId: 'inv-1', content, revisedAt: '2026-03-01T10:00:00.123+02:00' },
  ],
  [
    invoice,
    'InvoiceApproved',
    {
      invoiceId: 'inv-1',
      number: 'INV-2026-000001',
      series: 'INV',
      year: 2026,
      counter: 1,
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
      currency: 'EUR',
      totals,
      vatBreakdown,
      approvedAt: at,
    },
  ],
  [invoice, 'InvoiceSent', { invoiceId: 'inv-1', channel: 'email', sentAt: at }],
  [invoice, 'InvoiceDelivered', { invoiceId: 'inv-1', channel: 'peppol', deliveredAt: at }],
  [
    invoice,
    'PaymentRecorded',
    {
      invoiceId: 'inv-1',
      paymentId: 'p1',
      amount: '100.00',
      currency: 'EUR',
      paidAt: at,
      recordedAt: at,
      reference: 'bank-1',
    },
  ],
  [
    invoice,
    'CreditNoteApplied',
    { invoiceId: 'inv-1', creditNoteId: 'cn-1', amount: '50.00', currency: 'EUR', appliedAt: at },
  ],
  [
    invoice,
    'InvoicePaid',
    { invoiceId: 'inv-1', paidAmount: '350.00', creditedAmount: '50.00', currency: 'EUR', settledAt: at },
  ],
  [invoice, 'InvoiceVoided', { invoiceId: 'inv-1', reason: 'duplicate', voidedAt: at }],
  [
    invoice,
    'InvoiceWrittenOff',
    { invoiceId: 'inv-1', amount: '400.00', currency: 'EUR', reason: 'insolvent', writtenOffAt: at },
  ],
  [
    creditNote,
    'CreditNoteIssued',
    {
      creditNoteId: 'cn-1',
      tenantId: 't1',
      number: 'CN-2026-000001',
      invoiceId: 'inv-1',
      invoiceNumber: 'INV-2026-000001',
      currency: 'EUR',
      reason: 'damaged',
      issueDate: '2026-03-02',
      content: {
        lines: content.lines,
        allowances: content.allowances,
        charges: [],
        pricesIncludeTax: false,
        rounding: 'half_even',
      },
      totals,
      vatBreakdown,
      issuedAt: at,
    },
  ],
  [
    numberSeries,
    'NumberReserved',
    {
      tenantId: 't1',
      series: 'INV',
      year: 2026,
      counter: 1,
      number: 'INV-2026-000001',
      invoiceId: 'inv-1',
      reservedAt: at,
    },
  ],
  [
    numberSeries,
    'NumberAnnulled',
    {
      series: 'INV',
      year: 2026,
      counter: 2,
      number: 'INV-2026-000002',
      invoiceId: 'inv-2',
      reason: 'crash',
      annulledAt: at,
    },
  ],
  [providerSync, 'ProviderSyncRequested', { ...sync, tenantId: 't1', requestedAt: at }],
  [
    providerSync,
    'ProviderSyncSucceeded',
    { ...sync, externalId: 'in_1', succeededAt: at, paymentLink: 'https://pay.example/in_1' },
  ],
  [
    providerSync,
    'ProviderSyncFailed',
    { ...sync, retryable: true, error: 'timeout', nextAttemptAt: null, failedAt: at },
  ],
];

/** The samples as deciders make them: decoded, decimals as exact decimals. */
const samples = stored.map(([codec, type, data]) => ({ codec, event: decode(codec, { type, data }) }));

/** The tag values of a codec: the literal `type` of each member. */
const typesOf = (codec: EventCodec): string[] => {
  const inspected = codec as unknown as { types?: ReadonlyArray<unknown>; type?: unknown };
  const members = (inspected.types ?? [codec]) as ReadonlyArray<{
    type: { props: { type: { value: string } } };
  }>;
  return members.map((member) => member.type.props.type.value);
};

/** A value that is a decimal: plain, with many digits, negative zero, written with an exponent. */
const decimalArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(
      fc.boolean(),
      fc.stringMatching(/^(0|[1-9][0-9]{0,40})$/),
      fc.option(fc.stringMatching(/^[0-9]{1,40}$/), { nil: undefined }),
    )
    .map(([negative, whole, fraction]) =>
      decimal(`${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}`),
    ),
  fc
    .tuple(fc.stringMatching(/^-?[1-9](\.[0-9]{1,20})?$/), fc.integer({ min: -60, max: 60 }))
    .map(([mantissa, exponent]) => decimal(`${mantissa}e${String(exponent)}`)),
  fc
    .constantFrom('-0', '0', '-0.000', '0.10', '1e+21', '-1e-7', '123456789012345678901234567890.5')
    .map(decimal),
  fc
    .tuple(fc.stringMatching(/^[1-9][0-9]{0,12}$/), fc.stringMatching(/^[1-9][0-9]{0,6}$/))
    .map(([a, b]) => decimal(a).div(decimal(b))),
);

/** Anything a damaged event may hold: wrong types, odd objects, and valid look-alikes (made afresh each time). */
const replacementArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  decimalArbitrary,
  fc.constantFrom<unknown>(
    null,
    undefined,
    0,
    -0,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e21,
    true,
    '',
    'x',
    '12.50',
    'EUR',
    'S',
    at,
    '2026-03-01',
    'a "quoted" \\ text \u0000 \ud800',
  ),
  fc
    .constantFrom<() => unknown>(
      () => [],
      () => ({}),
      () => [undefined],
      () => ({ category: 'S' }),
      () => ({ amount: decimal('1') }),
      // A decimal's fields without its class.
      () => ({ s: 1, e: 0, c: [1] }),
      () => Object.assign(Object.create(null) as object, { category: 'S', rate: decimal('2') }),
      () =>
        new (class Line {
          readonly id = '9';
          readonly quantity = decimal('1');
          readonly vat = { category: 'S' };
        })(),
      // eslint-disable-next-line no-sparse-arrays -- a hole is what is tested
      () => [, decimal('1')],
    )
    .map((make) => make()),
  fc.string(),
  fc.integer(),
);

const isDecimal = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && 'toFixed' in value && 'c' in value;

/** A deep copy that keeps decimals (immutable) and the prototype of anything that is not plain. */
const copy = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(copy);
  if (value === null || typeof value !== 'object' || isDecimal(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const result = Object.create(proto) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
    Object.defineProperty(result, key, { ...descriptor, value: copy(descriptor.value) });
  }
  return result;
};

type Path = ReadonlyArray<string | number>;
const isPlain = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Paths into arrays and plain objects (the copies a run mutates; never a shared class instance). */
const pathsOf = (value: unknown, path: Path = []): Path[] => {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, i) => pathsOf(item, [...path, i]))];
  if (isPlain(value))
    return [path, ...Object.keys(value).flatMap((key) => pathsOf(value[key], [...path, key]))];
  return [path];
};

type Mutation =
  | { readonly op: 'delete' | 'hide' | 'nullPrototype' | 'undefined'; readonly path: number }
  | { readonly op: 'set'; readonly path: number; readonly value: unknown }
  | { readonly op: 'add'; readonly path: number; readonly key: string; readonly value: unknown };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('delete' as const, 'hide' as const, 'nullPrototype' as const, 'undefined' as const),
    path: fc.nat(),
  }),
  fc.record({ op: fc.constant('set' as const), path: fc.nat(), value: replacementArbitrary }),
  fc.record({
    op: fc.constant('add' as const),
    path: fc.nat(),
    key: fc.constantFrom(
      'extra',
      'reference',
      'rate',
      'notes',
      'line2',
      'percent',
      'baseAmount',
      'amount',
      'type',
      'b',
    ),
    value: replacementArbitrary,
  }),
);

/** `root` with `mutation` applied in place (the path index wraps around the available paths). */
const mutate = (root: unknown, mutation: Mutation): unknown => {
  const paths = pathsOf(root);
  const path = paths[mutation.path % paths.length] ?? [];
  if (path.length === 0) return mutation.op === 'set' ? copy(mutation.value) : root;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as never)[key], root) as Record<
    string | number,
    unknown
  >;
  const last = path[path.length - 1] as string | number;
  switch (mutation.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else Reflect.deleteProperty(parent, last);
      break;
    case 'undefined':
      parent[last] = undefined;
      break;
    case 'hide':
      if (!Array.isArray(parent)) Object.defineProperty(parent, last, { enumerable: false });
      break;
    case 'nullPrototype': {
      const target = parent[last];
      if (isPlain(target)) parent[last] = Object.assign(Object.create(null) as object, target);
      break;
    }
    case 'set':
      parent[last] = copy(mutation.value);
      break;
    case 'add': {
      const target = parent[last];
      if (isPlain(target)) target[mutation.key] = copy(mutation.value);
      else parent[last] = copy(mutation.value);
      break;
    }
  }
  return root;
};

type Outcome = { readonly ok: CanonicalEvent } | { readonly threw: string };
const outcome = (encode: () => CanonicalEvent): Outcome => {
  try {
    return { ok: encode() };
  } catch (error) {
    return { threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
};

/** Both encoders agree: the same type and byte for byte the same data, or the same exception. */
const expectSameEncoding = (codec: EventCodec, event: unknown): boolean => {
  const generic = outcome(() => encodeEventGenerically(codec, copy(event)));
  const canonical = outcome(() => encodeEventCanonically(codec, copy(event)));
  expect(canonical).toStrictEqual(generic);
  return 'ok' in generic;
};

const sampleArbitrary = fc.constantFrom(...samples);

describe('encodeEventCanonically', () => {
  it('has a sample of every event type of every aggregate', () => {
    for (const codec of codecs)
      expect(samples.filter((s) => s.codec === codec).map((s) => (s.event as { type: string }).type)).toEqual(
        typesOf(codec),
      );
  });

  it('encodes every sample exactly as the codec and canonicalJson do', () => {
    for (const { codec, event } of samples) {
      expect(expectSameEncoding(codec, event)).toBe(true);
      expect(JSON.parse(encodeEventCanonically(codec, event).data)).toStrictEqual(
        JSON.parse(JSON.stringify(codec.encode(event).data)),
      );
    }
  });

  it('writes valid events without the codecs: only the decimals run their own encode', () => {
    // Count the calls of every structural codec's `encode` (interfaces, intersections, arrays…).
    const calls = { count: 0 };
    const restore: Array<() => void> = [];
    const seen = new Set<unknown>();
    const wrap = (node: unknown): void => {
      if (seen.has(node) || node === null || typeof node !== 'object') return;
      seen.add(node);
      const inspected = node as {
        _tag?: string;
        encode: (a: unknown) => unknown;
        type?: unknown;
        types?: ReadonlyArray<unknown>;
        props?: Record<string, unknown>;
      };
      if (inspected._tag === undefined) return;
      const original = inspected.encode;
      inspected.encode = (a) => {
        calls.count++;
        return original(a);
      };
      restore.push(() => {
        inspected.encode = original;
      });
      wrap(inspected.type);
      for (const member of inspected.types ?? []) wrap(member);
      for (const prop of Object.values(inspected.props ?? {})) wrap(prop);
    };
    // Compiled first (compilation compares `encode` functions), then watched.
    for (const { codec, event } of samples) encodeEventCanonically(codec, event);
    for (const codec of codecs) wrap(codec);
    try {
      for (const { codec, event } of samples) {
        calls.count = 0;
        encodeEventCanonically(codec, event);
        expect({ type: (event as { type: string }).type, calls: calls.count }).toStrictEqual({
          type: (event as { type: string }).type,
          calls: 0,
        });
      }
    } finally {
      for (const undo of restore) undo();
    }
  });

  it('agrees on valid events with any decimals: many digits, negative zero, exponents, quotients', () => {
    fc.assert(
      fc.property(sampleArbitrary, fc.infiniteStream(decimalArbitrary), ({ codec, event }, decimals) => {
        const replaceDecimals = (value: unknown): unknown => {
          if (isDecimal(value)) return decimals.next().value;
          if (Array.isArray(value)) return value.map(replaceDecimals);
          if (value !== null && typeof value === 'object')
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDecimals(v)]));
          return value;
        };
        const varied = replaceDecimals(event);
        expect(codec.is(varied)).toBe(true);
        expect(expectSameEncoding(codec, varied)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on damaged events: the same text, or the same exception', () => {
    let encoded = 0;
    let thrown = 0;
    fc.assert(
      fc.property(
        sampleArbitrary,
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
        ({ codec, event }, mutations) => {
          const damaged = mutations.reduce<unknown>(mutate, copy(event));
          if (expectSameEncoding(codec, damaged)) encoded++;
          else thrown++;
        },
      ),
      { numRuns: 5000 },
    );
    // Both outcomes are exercised, so agreement is not trivial.
    expect(encoded).toBeGreaterThan(1000);
    expect(thrown).toBeGreaterThan(100);
  });
});
