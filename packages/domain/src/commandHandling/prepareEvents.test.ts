import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { invoiceAggregate } from '../application/aggregates.js';
import type { JsonObject } from '../eventStore/port.js';
import type { InvoiceEvent } from '../invoice/events.js';
import { decode } from '../testing/decode.js';
import { canonicalJson, serialisedJsonOf } from './canonicalJson.js';
import { deriveEventId } from './eventIds.js';
import { eventHash, sha256Hex } from './hashChain.js';
import { prepareEvents } from './handleCommand.js';
import type { CommandContext } from './metadata.js';

const codec = invoiceAggregate.events;
const at = '2026-03-01T10:00:00Z';

/** Decided events as deciders make them (decoded: decimals are exact decimals). */
const events: ReadonlyArray<InvoiceEvent> = [
  {
    type: 'InvoiceDraftCreated',
    data: {
      invoiceId: 'inv-1',
      tenantId: 't1',
      createdAt: at,
      content: {
        series: 'INV',
        currency: 'EUR',
        customer: { id: 'c-1', name: 'Buyer "Quoted" \\ AB', email: 'ap@buyer.example' },
        issueDate: '2026-03-01',
        dueDate: '2026-03-31',
        paymentTermsDays: 30,
        pricesIncludeTax: false,
        lines: [
          { id: '1', quantity: '3', netPrice: '19.99', vat: { category: 'S', rate: '25' } },
          {
            id: '2',
            quantity: '0.125',
            grossPrice: '1000000000000000000000.5',
            priceDiscount: '-0',
            vat: { category: 'E', exemptionReason: 'exempt ✓' },
            allowances: [{ percent: '5', baseAmount: '10' }],
          },
        ],
        allowances: [{ amount: '1.00', reason: 'loyal', vat: { category: 'S', rate: '25' } }],
        charges: [],
        rounding: 'half_even',
        notes: 'line\nbreak \u0000 and \ud800',
      },
    },
  },
  {
    type: 'PaymentRecorded',
    data: {
      invoiceId: 'inv-1',
      paymentId: 'p-1',
      amount: '12.50',
      currency: 'EUR',
      paidAt: at,
      recordedAt: at,
      reference: 'bank',
    },
  },
  { type: 'InvoiceVoided', data: { invoiceId: 'inv-1', reason: 'duplicate', voidedAt: at } },
].map((event) => decode(codec.codec, event));

/**
 * What `prepareEvents` wrote before it had the canonical encoder and its literal metadata: io-ts `encode`,
 * `canonicalJson` of the encoded data, spread metadata, the hash over the whole content.
 */
const reference = (
  streamName: string,
  version: number,
  prevHash: string | null,
  decided: ReadonlyArray<InvoiceEvent>,
  context: CommandContext,
) => {
  let previous = prevHash;
  return decided.map((event, i) => {
    const encoded = codec.codec.encode(event);
    const eventId = deriveEventId(context.commandId, streamName, i);
    const unhashed = {
      eventId,
      tenantId: context.tenantId,
      commandId: context.commandId,
      correlationId: context.correlationId ?? context.commandId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
      occurredAt: context.now,
      schemaVersion: codec.schema.currentVersion,
      prevHash: previous,
    };
    const dataText = canonicalJson(encoded.data);
    const hash = eventHash(
      {
        streamName,
        streamVersion: version + i + 1,
        eventId,
        type: encoded.type,
        data: JSON.parse(dataText) as JsonObject,
        metadata: unhashed,
      },
      sha256Hex,
    );
    previous = hash;
    const metadata = { ...unhashed, hash };
    return { eventId, type: encoded.type, dataText, metadata, metadataText: JSON.stringify(metadata) };
  });
};

const text = fc.string({ unit: 'binary', maxLength: 20 });

describe('prepareEvents', () => {
  it('writes what it wrote before, byte for byte: data, metadata, their texts and the hash chain', () => {
    fc.assert(
      fc.property(
        fc.record({
          tenantId: text,
          commandId: text,
          actor: text,
          now: text,
          correlationId: fc.option(text, { nil: undefined }),
          causationId: fc.option(text, { nil: undefined }),
        }),
        text,
        fc.nat({ max: 1000 }),
        fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
        fc.subarray([...events], { minLength: 1 }),
        ({ correlationId, causationId, ...required }, streamName, version, prevHash, decided) => {
          const context: CommandContext = {
            ...required,
            ...(correlationId === undefined ? {} : { correlationId }),
            ...(causationId === undefined ? {} : { causationId }),
          };
          const prepared = prepareEvents(codec, streamName, version, prevHash, decided, context);
          const expected = reference(streamName, version, prevHash, decided, context);
          expect(
            prepared.map(({ newEvent, metadata }) => ({
              eventId: newEvent.eventId,
              type: newEvent.type,
              dataText: serialisedJsonOf(newEvent)?.data,
              metadata,
              metadataText: serialisedJsonOf(newEvent)?.metadata,
            })),
          ).toStrictEqual(expected);
          prepared.forEach(({ newEvent, metadata }, i) => {
            const { dataText, metadataText } = expected[i] as { dataText: string; metadataText: string };
            // The objects a store gets: the same keys in the same order, and their texts parse to them.
            expect(JSON.stringify(metadata)).toBe(metadataText);
            expect(JSON.stringify(newEvent.metadata)).toBe(metadataText);
            expect(newEvent.metadata).not.toBe(metadata);
            expect(newEvent.data).toStrictEqual(JSON.parse(dataText));
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
