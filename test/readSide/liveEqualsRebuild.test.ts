import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import type { EventStore, JsonObject } from '@accrue/domain';
import {
  creditNoteAggregate,
  invoiceAggregate,
  numberSeriesAggregate,
  parseStreamName,
} from '@accrue/domain';
import type { ProjectedEvent, ReadModelStore, Row } from '@accrue/projections';
import { allProjections, createProjectionRunner } from '@accrue/projections';
import type { EventLog } from '@accrue/projections/testing';
import { createEventLog } from '@accrue/projections/testing';

/**
 * Property (acceptance): for random command histories, the live read models equal a from-scratch rebuild,
 * also when the live runner is stopped at random points, and when a batch fails half-way and is retried.
 */
type Step =
  | {
      readonly op: 'draft';
      readonly invoice: number;
      readonly day: number;
      readonly lines: number;
      /** An imported credit note (UBL CreditNote), which the money read models count the other way. */
      readonly creditNote: boolean;
    }
  | { readonly op: 'approve' | 'send' | 'void' | 'writeOff'; readonly invoice: number; readonly day: number }
  | { readonly op: 'pay'; readonly invoice: number; readonly day: number; readonly cents: number }
  | { readonly op: 'credit'; readonly invoice: number; readonly day: number; readonly cents: number };

const day = fc.integer({ min: 1, max: 28 });
const invoice = fc.nat(2);
const simple = (op: 'approve' | 'send' | 'void' | 'writeOff'): fc.Arbitrary<Step> =>
  fc.record({ op: fc.constant(op), invoice, day });
/** Weighted so lifecycles get deep: drafts are approved, sent and paid far more often than voided. */
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('draft' as const),
      invoice,
      day,
      lines: fc.integer({ min: 1, max: 3 }),
      creditNote: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
    }),
  },
  { weight: 3, arbitrary: simple('approve') },
  { weight: 2, arbitrary: simple('send') },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('pay' as const),
      invoice,
      day,
      cents: fc.integer({ min: 1, max: 20000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('credit' as const),
      invoice,
      day,
      cents: fc.integer({ min: 1, max: 5000 }),
    }),
  },
  { weight: 1, arbitrary: simple('void') },
  { weight: 1, arbitrary: simple('writeOff') },
);

const cents = (value: number): string =>
  `${String(Math.floor(value / 100))}.${String(value % 100).padStart(2, '0')}`;

/** Runs the steps a real user could have taken; steps the deciders refuse are simply not in the history. */
const play = (log: EventLog, steps: ReadonlyArray<Step>): void => {
  let credits = 0;
  steps.forEach((step, i) => {
    const id = `inv-${String(step.invoice)}`;
    const now = `2026-03-${String(step.day).padStart(2, '0')}T09:00:00Z`;
    try {
      switch (step.op) {
        case 'draft':
          log.draft(
            id,
            {
              customer: { id: `c-${String(step.invoice % 2)}`, name: 'Customer' },
              issueDate: now.slice(0, 10),
              ...(step.creditNote ? { series: 'CN', documentType: 'credit_note' as const } : {}),
              lines: Array.from({ length: step.lines }, (_, l) => ({
                id: String(l + 1),
                quantity: String(l + 1),
                netPrice: '40.00',
                vat: { category: 'S', rate: l === 0 ? '25' : '12' },
              })),
            },
            now,
          );
          break;
        case 'approve':
          log.approve(id, now);
          break;
        case 'send':
          log.send(id, now);
          break;
        case 'void':
          log.voidInvoice(id, now);
          break;
        case 'writeOff':
          log.writeOff(id, now);
          break;
        case 'pay':
          log.pay(id, `p-${String(i)}`, cents(step.cents), now);
          break;
        case 'credit':
          credits += 1;
          log.creditNote(`cn-${String(credits)}`, id, cents(step.cents), now);
          break;
      }
    } catch {
      // A refused command leaves no event, as in the real system.
    }
  });
};

const codecOf = (streamName: string) => {
  switch (parseStreamName(streamName)?.category) {
    case 'invoice':
      return invoiceAggregate.events.codec;
    case 'creditnote':
      return creditNoteAggregate.events.codec;
    default:
      return numberSeriesAggregate.events.codec;
  }
};

/** Writes the log's events into a real event store, encoded as the command handler stores them. */
const store = async (events: ReadonlyArray<ProjectedEvent>): Promise<EventStore> => {
  const target = createMemoryEventStore();
  for (const projected of events) {
    const encoded = (
      codecOf(projected.streamName) as { encode: (e: unknown) => { type: string; data: unknown } }
    ).encode(projected.event);
    const appended = await target.appendToStream(projected.streamName, 'any', [
      {
        eventId: projected.eventId,
        type: encoded.type,
        data: JSON.parse(JSON.stringify(encoded.data)) as JsonObject,
        metadata: JSON.parse(JSON.stringify(projected.metadata)) as JsonObject,
      },
    ])();
    if (E.isLeft(appended)) throw new Error(appended.left._tag);
  }
  return target;
};

/** Every live table of every projection, rows sorted, as plain text: what a reader could ever see. */
const dump = async (readModels: ReadModelStore): Promise<string> => {
  const statuses = await readModels.statuses();
  const tables: Record<string, Row[]> = {};
  for (const projection of allProjections) {
    const status = statuses.find((s) => s.name === projection.name);
    if (status === undefined) continue;
    for (const table of projection.tables) {
      const rows = await readModels.query(
        `SELECT * FROM ${readModels.tableName(projection.name, table.name, status.generation)}`,
      );
      tables[`${projection.name}.${table.name}`] = [...rows].sort((a, b) =>
        JSON.stringify(a, big) < JSON.stringify(b, big) ? -1 : 1,
      );
    }
  }
  return JSON.stringify(tables, big);
};
const big = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? `${value.toString()}n` : value;

/** A read-model store whose transactions fail half-way (after the work, before the commit) when told to. */
const failing = (inner: ReadModelStore, shouldFail: () => boolean): ReadModelStore => ({
  ...inner,
  transaction: (work) =>
    inner.transaction(async (tx) => {
      const result = await work(tx);
      if (shouldFail()) throw new Error('simulated crash before commit');
      return result;
    }),
});

describe('live read models equal a rebuild', () => {
  it('for random histories, random stops and failed batches', { timeout: 120_000 }, async () => {
    const seen: string[][] = [];
    let approvedCreditNotes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { minLength: 10, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        async (steps, batchSizes, failures) => {
          const log = createEventLog('t1');
          play(log, steps);
          const events = await store(log.events);
          seen.push(log.events.map((e) => e.event.type));
          const creditNoteDrafts = new Set(
            log.events.flatMap(({ event }) =>
              event.type === 'InvoiceDraftCreated' && event.data.content.documentType === 'credit_note'
                ? [event.data.invoiceId]
                : [],
            ),
          );
          approvedCreditNotes += log.events.filter(
            ({ event }) => event.type === 'InvoiceApproved' && creditNoteDrafts.has(event.data.invoiceId),
          ).length;

          // Live: several runner lives of random batch sizes, each ending in a failed batch or a clean stop.
          const live = createSqliteReadModelStore({ path: ':memory:' });
          let failureIndex = 0;
          for (let life = 0; life < 20; life++) {
            const batchSize = batchSizes[life % batchSizes.length] ?? 3;
            const fail = failures[failureIndex++ % failures.length] ?? false;
            let calls = 0;
            const runner = createProjectionRunner({
              events,
              readModels: failing(live, () => fail && ++calls === 2),
              projections: allProjections,
              batchSize,
            });
            await runner.initialise();
            try {
              await runner.catchUp();
              if (!fail) break;
            } catch {
              // the crash: a new runner life resumes from the committed checkpoints
            }
          }
          const finisher = createProjectionRunner({ events, readModels: live, projections: allProjections });
          await finisher.initialise();
          await finisher.catchUp();

          // From scratch, in one pass.
          const rebuilt = createSqliteReadModelStore({ path: ':memory:' });
          const fresh = createProjectionRunner({
            events,
            readModels: rebuilt,
            projections: allProjections,
            batchSize: 1000,
          });
          await fresh.initialise();
          await fresh.catchUp();

          expect(await dump(live)).toBe(await dump(rebuilt));
          // And a rebuild beside the live generation switches to the same content.
          await finisher.rebuild('invoices');
          expect(await dump(live)).toBe(await dump(rebuilt));
          await live.close();
          await rebuilt.close();
        },
      ),
      { numRuns: 60 },
    );
    // The histories are not trivial: across the runs, every kind of event the read models handle occurred.
    const types = new Set(seen.flat());
    for (const type of [
      'InvoiceDraftCreated',
      'NumberReserved',
      'InvoiceApproved',
      'InvoiceSent',
      'PaymentRecorded',
      'CreditNoteIssued',
      'CreditNoteApplied',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(approvedCreditNotes).toBeGreaterThan(0);
  });
});
