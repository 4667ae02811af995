import * as E from 'fp-ts/lib/Either.js';
import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { describe, expect, it } from 'vitest';

import { creditNoteAggregate, invoiceAggregate, numberSeriesAggregate } from '../application/aggregates.js';
import type { JsonObject, RecordedEvent } from '../eventStore/port.js';
import { DECODE_FAILED, compileDecoder } from './fastDecoder.js';
import type { EventCodec } from './loadStream.js';
import { decodeRecordedEvent } from './loadStream.js';
import { EventMetadata } from './metadata.js';
import { upcast } from './upcasting.js';

/** Stored events of every type as they travel, with most optional fields present somewhere. */
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
      charges: [{ percent: '2.5', reason: 'handling' }],
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
  notes: 'thanks',
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

interface Sample {
  readonly codec: EventCodec<unknown>;
  readonly type: string;
  readonly data: JsonObject;
}
const invoice = invoiceAggregate.events as EventCodec<unknown>;
const creditNote = creditNoteAggregate.events as EventCodec<unknown>;
const numberSeries = numberSeriesAggregate.events as EventCodec<unknown>;
const samples: ReadonlyArray<Sample> = [
  {
    codec: invoice,
    type: 'InvoiceDraftCreated',
    data: { invoiceId: 'inv-1', tenantId: 't1', content, createdAt: at },
  },
  {
    codec: invoice,
    type: 'InvoiceDraftRevised',
    data: { invoiceId: 'inv-1', content, revisedAt: '2026-03-01T10:00:00.123+02:00' },
  },
  {
    codec: invoice,
    type: 'InvoiceApproved',
    data: {
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
  },
  { codec: invoice, type: 'InvoiceSent', data: { invoiceId: 'inv-1', channel: 'email', sentAt: at } },
  {
    codec: invoice,
    type: 'InvoiceDelivered',
    data: { invoiceId: 'inv-1', channel: 'peppol', deliveredAt: at },
  },
  {
    codec: invoice,
    type: 'PaymentRecorded',
    data: {
      invoiceId: 'inv-1',
      paymentId: 'p1',
      amount: '100.00',
      currency: 'EUR',
      paidAt: at,
      recordedAt: at,
      reference: 'bank-1',
    },
  },
  {
    codec: invoice,
    type: 'CreditNoteApplied',
    data: { invoiceId: 'inv-1', creditNoteId: 'cn-1', amount: '50.00', currency: 'EUR', appliedAt: at },
  },
  {
    codec: invoice,
    type: 'InvoicePaid',
    data: {
      invoiceId: 'inv-1',
      paidAmount: '350.00',
      creditedAmount: '50.00',
      currency: 'EUR',
      settledAt: at,
    },
  },
  { codec: invoice, type: 'InvoiceVoided', data: { invoiceId: 'inv-1', reason: 'duplicate', voidedAt: at } },
  {
    codec: invoice,
    type: 'InvoiceWrittenOff',
    data: { invoiceId: 'inv-1', amount: '400.00', currency: 'EUR', reason: 'insolvent', writtenOffAt: at },
  },
  {
    codec: creditNote,
    type: 'CreditNoteIssued',
    data: {
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
  },
  {
    codec: numberSeries,
    type: 'NumberReserved',
    data: {
      tenantId: 't1',
      series: 'INV',
      year: 2026,
      counter: 1,
      number: 'INV-2026-000001',
      invoiceId: 'inv-1',
      reservedAt: at,
    },
  },
  {
    codec: numberSeries,
    type: 'NumberAnnulled',
    data: {
      series: 'INV',
      year: 2026,
      counter: 2,
      number: 'INV-2026-000002',
      invoiceId: 'inv-2',
      reason: 'crash',
      annulledAt: at,
    },
  },
];
const metadata: JsonObject = {
  eventId: 'e5fbac30-3ec9-59eb-9f32-6307ba5cf3c9',
  tenantId: 't1',
  commandId: 'c1',
  correlationId: 'c1',
  causationId: 'c1',
  actor: 'bench',
  occurredAt: at,
  schemaVersion: 1,
  prevHash: null,
  hash: 'ae1d58c89d805a9e56a75bd00d161b998f63a18f938a95d79a575b478a33e6b8',
};

/** Values a damaged event may hold instead of the right one: wrong types, near misses, and valid look-alikes. */
const replacements: ReadonlyArray<unknown> = [
  null,
  0,
  1,
  -1,
  1.5,
  2026,
  Number.NaN,
  true,
  '',
  ' ',
  'x',
  '12.50',
  '-0.5',
  '1e5',
  '01.5',
  '12.',
  '2026-02-29',
  '2026-03-01',
  '2026-03-01T10:00:00Z',
  '2026-03-01T24:00:00Z',
  'EUR',
  'XXX',
  'S',
  'Q',
  'inv-2',
  'a b',
  'INV',
  'inv',
  'email',
  'half_even',
  'INV-2026-000009',
  [],
  [{}],
  {},
  { amount: '1.00' },
  { category: 'S' },
];
const extraKeys = [
  'extra',
  'reference',
  'rate',
  'notes',
  'line2',
  'email',
  'percent',
  'baseAmount',
  'documentType',
  'type',
];

type Path = ReadonlyArray<string | number>;
const pathsOf = (value: unknown, path: Path = []): Path[] => {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, i) => pathsOf(item, [...path, i]))];
  if (value !== null && typeof value === 'object')
    return [path, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key]))];
  return [path];
};

type Mutation =
  | { readonly op: 'delete'; readonly path: number }
  | { readonly op: 'set'; readonly path: number; readonly value: number }
  | { readonly op: 'add'; readonly path: number; readonly key: number; readonly value: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), path: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), path: fc.nat(), value: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), path: fc.nat(), key: fc.nat(), value: fc.nat() }),
);

/** A deep copy of `root` with `mutation` applied (indexes wrap around the available paths and values). */
const mutate = (root: unknown, mutation: Mutation): unknown => {
  const copy = structuredClone<unknown>(root);
  const paths = pathsOf(copy);
  const path = paths[mutation.path % paths.length] ?? [];
  const pick = (n: number): unknown => structuredClone(replacements[n % replacements.length]);
  if (path.length === 0) return mutation.op === 'set' ? pick(mutation.value) : copy;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], copy);
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  switch (mutation.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else Reflect.deleteProperty(container, last);
      return copy;
    case 'set':
      container[last] = pick(mutation.value);
      return copy;
    case 'add': {
      const target = container[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target))
        (target as Record<string, unknown>)[extraKeys[mutation.key % extraKeys.length] as string] = pick(
          mutation.value,
        );
      else container[last] = pick(mutation.value);
      return copy;
    }
  }
};

/** Both decoders agree: same failure, or the same value (classes included) with keys in the same order. */
const expectSameDecoding = (codec: t.Decoder<unknown, unknown>, input: unknown): boolean => {
  const slow = codec.decode(structuredClone(input));
  const fast = compileDecoder(codec)(structuredClone(input));
  if (E.isLeft(slow)) {
    expect(fast).toBe(DECODE_FAILED);
    return false;
  }
  expect(fast).not.toBe(DECODE_FAILED);
  expect(fast).toStrictEqual(slow.right);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.right));
  return true;
};

const sampleArbitrary = fc.nat({ max: samples.length - 1 }).map((i) => samples[i] as Sample);

describe('compiled event decoders', () => {
  it('decode every sample event and its metadata exactly as the codecs do', () => {
    for (const sample of samples)
      expect(expectSameDecoding(sample.codec.codec, { type: sample.type, data: sample.data })).toBe(true);
    expect(expectSameDecoding(EventMetadata, metadata)).toBe(true);
  });

  it('agree with the codecs on damaged events: the same value, or both refuse', () => {
    let decoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        sampleArbitrary,
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }),
        (sample, mutations) => {
          const input = mutations.reduce<unknown>(mutate, { type: sample.type, data: sample.data });
          if (expectSameDecoding(sample.codec.codec, input)) decoded++;
          else refused++;
        },
      ),
      { numRuns: 3000 },
    );
    // Both outcomes are exercised, so agreement is not trivial.
    expect(decoded).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it('agree with the codecs on damaged metadata', () => {
    fc.assert(
      fc.property(fc.array(mutationArbitrary, { minLength: 1, maxLength: 2 }), (mutations) => {
        expectSameDecoding(EventMetadata, mutations.reduce<unknown>(mutate, metadata));
      }),
      { numRuns: 1000 },
    );
  });
});

/** What `decodeRecordedEvent` did before it had compiled decoders: the codecs, one after the other. */
const decodeWithCodecs = (codec: EventCodec<unknown>, recorded: RecordedEvent): E.Either<string, unknown> => {
  const meta = EventMetadata.decode(recorded.metadata);
  if (E.isLeft(meta)) return E.left(`bad metadata: ${PathReporter.report(meta).join('; ')}`);
  const upcasted = upcast(codec.schema, recorded.type, recorded.data, meta.right.schemaVersion);
  if (E.isLeft(upcasted))
    return E.left(`${recorded.type} v${String(upcasted.left.fromVersion)}: ${upcasted.left.reason}`);
  const event = codec.codec.decode({ type: recorded.type, data: upcasted.right });
  if (E.isLeft(event))
    return E.left(`${recorded.type} does not decode: ${PathReporter.report(event).join('; ')}`);
  return E.right({ event: event.right, metadata: meta.right });
};

describe('decodeRecordedEvent', () => {
  it('gives what the codecs give, a CorruptEvent with the same reason included', () => {
    fc.assert(
      fc.property(
        sampleArbitrary,
        fc.array(mutationArbitrary, { maxLength: 2 }),
        fc.array(mutationArbitrary, { maxLength: 1 }),
        fc.constantFrom('', 'InvoiceSent', 'Unknown'),
        (sample, dataMutations, metadataMutations, otherType) => {
          const recorded: RecordedEvent = {
            streamName: 'invoice-t1/inv-1',
            streamVersion: 3,
            globalPosition: 42n,
            eventId: 'e1',
            type: otherType === '' ? sample.type : otherType,
            data: dataMutations.reduce<unknown>(mutate, sample.data) as JsonObject,
            metadata: metadataMutations.reduce<unknown>(mutate, metadata) as JsonObject,
          };
          const expected = decodeWithCodecs(sample.codec, structuredClone(recorded));
          const actual = decodeRecordedEvent(sample.codec, structuredClone(recorded));
          if (E.isLeft(expected)) {
            expect(actual).toStrictEqual(
              E.left({
                _tag: 'CorruptEvent',
                streamName: 'invoice-t1/inv-1',
                globalPosition: 42n,
                reason: expected.left,
              }),
            );
            return;
          }
          expect(E.isRight(actual)).toBe(true);
          if (E.isLeft(actual)) return;
          expect({ event: actual.right.event, metadata: actual.right.metadata }).toStrictEqual(
            expected.right,
          );
          expect(JSON.stringify(actual.right.event)).toBe(
            JSON.stringify((expected.right as { event: unknown }).event),
          );
          expect(actual.right).toMatchObject({ streamVersion: 3, globalPosition: 42n, eventId: 'e1' });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
