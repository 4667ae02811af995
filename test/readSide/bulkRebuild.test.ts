import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import type { EventStore } from '@accrue/domain';
import {
  creditNoteAggregate,
  invoiceAggregate,
  numberSeriesAggregate,
  parseStreamName,
} from '@accrue/domain';
import type { ProjectedEvent, ReadModelStore, Row } from '@accrue/projections';
import { allProjections, createProjectionRunner } from '@accrue/projections';
import { createEventLog } from '@accrue/projections/testing';

/**
 * The fast rebuild path (ADR 18): generations no reader uses yet are bulk-loaded (secondary indexes built at the
 * end, commits that need not wait for the disk), and several read models are rebuilt in one pass. It must give
 * exactly the tables of the plain path, and a crash part-way must leave the live generation as it was.
 */
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
        data: encoded.data as never,
        metadata: projected.metadata,
      },
    ])();
    if (E.isLeft(appended)) throw new Error(appended.left._tag);
  }
  return target;
};

/** A few hundred events: invoices drafted, approved, sent, paid in part or in full, credited, voided. */
const history = async (): Promise<{ events: EventStore; count: number }> => {
  const log = createEventLog('t1');
  for (let i = 0; i < 60; i++) {
    const id = `inv-${String(i)}`;
    const now = `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z`;
    log.invoice(
      id,
      {
        customer: { id: `c-${String(i % 7)}`, name: `Customer ${String(i % 7)}` },
        issueDate: now.slice(0, 10),
      },
      now,
    );
    if (i % 10 === 9) {
      log.voidInvoice(id, now);
      continue;
    }
    log.send(id, now);
    if (i % 5 === 1) log.creditNote(`cn-${String(i)}`, id, '5.00', now);
    log.pay(id, `p-${String(i)}`, i % 2 === 0 ? '120.00' : '10.00', now);
  }
  return { events: await store(log.events), count: log.events.length };
};

/** Every live table of every projection, rows sorted, as text: what a reader could ever see. */
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

/** The secondary indexes the projections declare that are missing from their live generation. */
const missingIndexes = async (readModels: ReadModelStore): Promise<string[]> => {
  const statuses = await readModels.statuses();
  const present = new Set(
    (await readModels.query("SELECT name FROM sqlite_master WHERE type = 'index'")).map((row) =>
      String(row['name']),
    ),
  );
  const missing: string[] = [];
  for (const projection of allProjections) {
    const generation = statuses.find((s) => s.name === projection.name)?.generation ?? 1;
    for (const table of projection.tables)
      (table.indexes ?? []).forEach((_, i) => {
        const name = `${readModels.tableName(projection.name, table.name, generation)}_i${String(i)}`;
        if (!present.has(name)) missing.push(name);
      });
  }
  return missing;
};

/** The store as one without bulk loading: the plain path, for reference. */
const plain = (inner: ReadModelStore): ReadModelStore => ({
  dialect: inner.dialect,
  prepare: (p, g) => inner.prepare(p, g),
  statuses: () => inner.statuses(),
  checkpoint: (n, g) => inner.checkpoint(n, g),
  transaction: (work) => inner.transaction(work),
  activate: (p, g) => inner.activate(p, g),
  tableName: (n, t, g) => inner.tableName(n, t, g),
  query: (sql, params) => inner.query(sql, params),
  close: () => inner.close(),
});

/** A store whose `fail`-th transaction (counting from 1) fails after its work, before the commit. */
const failingAt = (inner: ReadModelStore, fail: number): ReadModelStore => {
  let calls = 0;
  return {
    ...inner,
    transaction: (work, options) =>
      inner.transaction(async (tx) => {
        const result = await work(tx);
        if (++calls === fail) throw new Error('simulated crash before commit');
        return result;
      }, options),
  };
};

const names = allProjections.map((projection) => projection.name);

describe('bulk rebuild', () => {
  it('fills every read model in one pass, indexed, exactly as the plain path does', async () => {
    const { events, count } = await history();
    expect(count).toBeGreaterThan(250);

    const reference = createSqliteReadModelStore({ path: ':memory:' });
    const plainRunner = createProjectionRunner({
      events,
      readModels: plain(reference),
      projections: allProjections,
      batchSize: 20,
    });
    await plainRunner.initialise();
    await plainRunner.catchUp();

    // A first start on an empty store: the live generations are bulk-loaded.
    const first = createSqliteReadModelStore({ path: ':memory:' });
    const starting = createProjectionRunner({
      events,
      readModels: first,
      projections: allProjections,
      batchSize: 20,
    });
    await starting.initialise();
    expect(await starting.catchUp()).toBe(BigInt(count));
    expect(await dump(first)).toBe(await dump(reference));
    expect(await missingIndexes(first)).toEqual([]);

    // `accrue rebuild` of everything: new generations in one pass, then switched over.
    const rebuilt = createSqliteReadModelStore({ path: ':memory:' });
    const rebuilding = createProjectionRunner({
      events,
      readModels: rebuilt,
      projections: allProjections,
      batchSize: 20,
    });
    await rebuilding.initialise();
    const progress: bigint[] = [];
    const result = await rebuilding.rebuild(names, (p) => progress.push(p.position));
    expect(result).toMatchObject({
      projection: names.join(','),
      events: count,
      position: BigInt(count),
      head: BigInt(count),
    });
    // Progress after each commit, never backwards, ending at the head.
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(progress);
    expect(progress.at(-1)).toBe(BigInt(count));
    expect((await rebuilt.statuses()).map((s) => [s.name, s.generation, s.position])).toEqual(
      expect.arrayContaining(names.map((name) => [name, 2, BigInt(count)])),
    );
    expect(await dump(rebuilt)).toBe(await dump(reference));
    expect(await missingIndexes(rebuilt)).toEqual([]);
    const leftovers = await rebuilt.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm_%_g1'",
    );
    expect(leftovers).toEqual([]);
    await Promise.all([reference.close(), first.close(), rebuilt.close()]);
  });

  it('leaves the live generation serving when a rebuild crashes, and a later rebuild completes it', async () => {
    const { events, count } = await history();
    const readModels = createSqliteReadModelStore({ path: ':memory:' });
    const serving = createProjectionRunner({
      events,
      readModels,
      projections: allProjections,
      batchSize: 20,
    });
    await serving.initialise();
    await serving.catchUp();
    const before = await dump(readModels);
    const statuses = await readModels.statuses();

    const crashing = createProjectionRunner({
      events,
      readModels: failingAt(readModels, 3),
      projections: allProjections,
      batchSize: 20,
      transactionEvents: 40,
    });
    await crashing.initialise();
    await expect(crashing.rebuild(names)).rejects.toThrow('simulated crash');
    expect(await readModels.statuses()).toEqual(statuses);
    expect(await dump(readModels)).toBe(before);
    expect(await missingIndexes(readModels)).toEqual([]);

    const again = createProjectionRunner({ events, readModels, projections: allProjections, batchSize: 20 });
    await again.initialise();
    expect((await again.rebuild(names)).position).toBe(BigInt(count));
    expect(await dump(readModels)).toBe(before);
    expect(await missingIndexes(readModels)).toEqual([]);
    expect((await readModels.statuses()).every((s) => s.generation === 2)).toBe(true);
    await readModels.close();
  });

  it('gets the indexes back when a bulk first fill crashed, and finishes the fill', async () => {
    const { events, count } = await history();
    const reference = createSqliteReadModelStore({ path: ':memory:' });
    const plainRunner = createProjectionRunner({
      events,
      readModels: plain(reference),
      projections: allProjections,
    });
    await plainRunner.initialise();
    await plainRunner.catchUp();

    const readModels = createSqliteReadModelStore({ path: ':memory:' });
    const crashing = createProjectionRunner({
      events,
      readModels: failingAt(readModels, 2),
      projections: allProjections,
      batchSize: 20,
      transactionEvents: 40,
    });
    await crashing.initialise();
    await expect(crashing.catchUp()).rejects.toThrow('simulated crash');
    // The fill was a bulk load: its indexes are not there yet.
    expect(await missingIndexes(readModels)).not.toEqual([]);

    const restarted = createProjectionRunner({
      events,
      readModels,
      projections: allProjections,
      batchSize: 20,
    });
    await restarted.initialise();
    expect(await missingIndexes(readModels)).toEqual([]);
    expect(await restarted.catchUp()).toBe(BigInt(count));
    expect(await dump(readModels)).toBe(await dump(reference));
    await Promise.all([reference.close(), readModels.close()]);
  });

  it('finds the head of a log whose positions have gaps, for progress, without reading it all', async () => {
    const { events: inner, count } = await history();
    // Positions as EventStoreDB gives them: growing, far apart, not starting at 1.
    const outer = (position: bigint): bigint => position * 1000n + 7n;
    let read = 0;
    const events: EventStore = {
      ...inner,
      readAll:
        ({ after, maxCount }) =>
        async () => {
          const batch = await inner.readAll({
            ...(after === undefined ? {} : { after: after < 7n ? 0n : (after - 7n) / 1000n }),
            maxCount,
          })();
          if (E.isLeft(batch)) return batch;
          read += batch.right.events.length;
          return E.right({
            events: batch.right.events.map((event) => ({
              ...event,
              globalPosition: outer(event.globalPosition),
            })),
            lastPosition:
              batch.right.lastPosition === undefined ? undefined : outer(batch.right.lastPosition),
          });
        },
    };
    const readModels = createSqliteReadModelStore({ path: ':memory:' });
    const runner = createProjectionRunner({ events, readModels, projections: allProjections, batchSize: 50 });
    await runner.initialise();
    const heads: bigint[] = [];
    const result = await runner.rebuild(names, (p) => heads.push(p.head));
    expect(result).toMatchObject({
      events: count,
      position: outer(BigInt(count)),
      head: outer(BigInt(count)),
    });
    expect(new Set(heads)).toEqual(new Set([outer(BigInt(count))]));
    // The log was read once for the rebuild, plus a few dozen single-event probes for the head.
    expect(read).toBeLessThan(count + 100);
    await readModels.close();
  });
});
