import * as E from 'fp-ts/lib/Either.js';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import type { AppendError, AppendResult, NewEvent, RecordedEvent } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';

import { eventStoreContract } from '../testing/eventStoreContract.js';
import { appendInTransaction } from './appendInTransaction.js';
import type { PostgresEventStore, PostgresEventStoreOptions } from './postgresEventStore.js';
import { createPostgresEventStore } from './postgresEventStore.js';
import { readAllWithin } from './readAllWithin.js';
import { schemaNameOrThrow } from './schemaName.js';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from './testing/postgresAvailability.js';

const postgres = await probePostgres();

describeWithPostgres(postgres, 'PostgreSQL event store', (url) => {
  const schemas = new Set<string>();
  const openStores: PostgresEventStore[] = [];
  const freshSchema = (): string => {
    const schema = uniqueTestSchema();
    schemas.add(schema);
    return schema;
  };
  const open = async (
    schema: string = freshSchema(),
    options: Partial<PostgresEventStoreOptions> = {},
  ): Promise<PostgresEventStore> => {
    const store = await createPostgresEventStore({ connectionString: url, schema, ...options });
    openStores.push(store);
    return store;
  };
  const sql = async <A>(run: (client: Client) => Promise<A>): Promise<A> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  /** Resolves once a backend of `applicationName` waits for a lock (polls: the server has no event for it). */
  const blockedOnLock = async (applicationName: string): Promise<void> => {
    for (;;) {
      const waiting = await sql((c) =>
        c.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
          applicationName,
        ]),
      );
      if (waiting.rowCount !== 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  afterAll(async () => {
    // close() is idempotent: stores the contract already closed are fine.
    await Promise.all(openStores.map((store) => store.close()));
    await dropSchemas(url, schemas);
  });

  eventStoreContract('postgres', () => open());

  let counter = 0;
  const event = (type: string, data: Record<string, string | number> = {}): NewEvent => ({
    eventId: `e-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID()}`,
    type,
    data: { ...data },
    metadata: { correlationId: 'c-1' },
  });
  const ok = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
    const result = await task();
    if (E.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left, replacer)}`);
    return result.right;
  };
  const leftOf = <L>(result: E.Either<L, unknown>): L => {
    if (E.isRight(result)) throw new Error('expected a failure, got success');
    return result.left;
  };
  const leftTag = (result: E.Either<{ readonly _tag: string }, unknown>): string | undefined =>
    E.isLeft(result) ? result.left._tag : undefined;
  const collect = async (
    iterable: AsyncIterable<RecordedEvent>,
    count: number,
    controller: AbortController,
  ): Promise<RecordedEvent[]> => {
    const seen: RecordedEvent[] = [];
    for await (const e of iterable) {
      seen.push(e);
      if (seen.length === count) controller.abort();
    }
    return seen;
  };

  describe('group commit', () => {
    it('writes 200 concurrent appends to distinct streams in far fewer transactions', async () => {
      const store = await open();
      const before = store.stats();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.appendToStream(`gc-${i}`, 'no_stream', [event('One', { i })])(),
        ),
      );
      expect(results.filter(E.isRight)).toHaveLength(200);
      const after = store.stats();
      expect(after.requests - before.requests).toBe(200);
      expect(after.events - before.events).toBe(200);
      // All 200 calls were made in one turn: one transaction should carry them, a few at most.
      expect(after.transactions - before.transactions).toBeLessThanOrEqual(3);
      expect(after.largestBatch).toBeGreaterThanOrEqual(100);
    });

    it('lets requests for one stream in one batch see each other, in call order', async () => {
      const store = await open();
      const [first, second, stale, third] = await Promise.all([
        store.appendToStream('same', 'no_stream', [event('A')])(),
        store.appendToStream('same', 1, [event('B'), event('C')])(),
        store.appendToStream('same', 'no_stream', [event('X')])(),
        store.appendToStream('same', 'stream_exists', [event('D')])(),
      ]);
      expect(store.stats().transactions).toBe(1);
      expect(first).toEqual(E.right({ nextExpectedVersion: 1, lastPosition: 1n }));
      expect(second).toEqual(E.right({ nextExpectedVersion: 3, lastPosition: 3n }));
      expect(stale).toEqual(E.left(expect.objectContaining({ _tag: 'VersionConflict', actual: 3 })));
      expect(third).toEqual(E.right({ nextExpectedVersion: 4, lastPosition: 4n }));
      const read = await ok(store.readStream('same'));
      expect(read.map((e) => [e.type, e.streamVersion, e.globalPosition])).toEqual([
        ['A', 1, 1n],
        ['B', 2, 2n],
        ['C', 3, 3n],
        ['D', 4, 4n],
      ]);
    });

    it('splits a queue larger than the batch limits into several transactions', async () => {
      const store = await open(freshSchema(), { maxBatchRequests: 10, maxBatchEvents: 25 });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.appendToStream(`split-${i}`, 'no_stream', [event('A'), event('B')])(),
        ),
      );
      expect(results.every(E.isRight)).toBe(true);
      // 25 events per transaction at most: 12 requests of 2 events each, so at least 4 transactions.
      expect(store.stats().largestBatch).toBeLessThanOrEqual(10);
      expect(store.stats().transactions).toBeGreaterThanOrEqual(4);
    });

    it('fails every request of a failed transaction with StoreUnavailable, then recovers', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      await sql((c) => c.query(`ALTER TABLE "${schema}".events RENAME TO events_away`));
      const failed = await Promise.all([
        store.appendToStream('broken-1', 'any', [event('A')])(),
        store.appendToStream('broken-2', 'any', [event('A')])(),
      ]);
      expect(failed.map(leftTag)).toEqual(['StoreUnavailable', 'StoreUnavailable']);
      expect(failed.every((r) => E.isLeft(r) && 'cause' in r.left && r.left.cause instanceof Error)).toBe(
        true,
      );
      expect(store.stats().transactions).toBe(1);
      await sql((c) => c.query(`ALTER TABLE "${schema}".events_away RENAME TO events`));
      await ok(store.appendToStream('broken-1', 'no_stream', [event('A')]));
    });
  });

  describe('event ids', () => {
    it('refuses an event id already stored, in another stream, and writes nothing', async () => {
      const store = await open();
      const e = event('Once');
      await ok(store.appendToStream('ids-a', 'no_stream', [e]));
      const again = await store.appendToStream('ids-b', 'no_stream', [event('Fresh'), e])();
      expect(leftTag(again)).toBe('VersionConflict');
      expect(await ok(store.readStream('ids-b'))).toEqual([]);
    });

    it('refuses a duplicate within one request and between requests of one batch', async () => {
      const store = await open();
      const e = event('Twice');
      expect(leftTag(await store.appendToStream('ids-c', 'no_stream', [e, e])())).toBe('VersionConflict');
      const [first, second] = await Promise.all([
        store.appendToStream('ids-d', 'no_stream', [e])(),
        store.appendToStream('ids-e', 'no_stream', [e])(),
      ]);
      expect(E.isRight(first)).toBe(true);
      expect(leftTag(second)).toBe('VersionConflict');
      expect(await ok(store.readStream('ids-e'))).toEqual([]);
    });

    it('turns a unique violation from a writer that bypassed the lock into a VersionConflict', async () => {
      const schema = freshSchema();
      const store = await open(schema, { applicationName: `accrue-${schema}` });
      const intruder = new Client({ connectionString: url });
      await intruder.connect();
      const intrude = async (eventId: string): Promise<void> => {
        await intruder.query('BEGIN');
        await intruder.query(
          `INSERT INTO "${schema}".events (stream_name, stream_version, event_id, type, data, metadata)
           VALUES ('intruder', (SELECT count(*) + 1 FROM "${schema}".events WHERE stream_name = 'intruder'), $1, 'X', '{}', '{}')`,
          [eventId],
        );
      };
      // The store's insert waits on the intruder's uncommitted row; once it commits, the insert fails.
      const storeIsBlocked = (): Promise<void> => blockedOnLock(`accrue-${schema}`);
      try {
        const alone = event('Alone');
        await intrude(alone.eventId);
        const single = store.appendToStream('victim', 'no_stream', [alone])();
        await storeIsBlocked();
        await intruder.query('COMMIT');
        const conflict = await single;
        expect(leftTag(conflict)).toBe('VersionConflict');
        expect(
          E.isLeft(conflict) && conflict.left._tag === 'VersionConflict' && conflict.left.cause,
        ).toMatchObject({
          code: '23505',
        });

        const shared = event('Shared');
        await intrude(shared.eventId);
        const batch = Promise.all([
          store.appendToStream('neighbour-1', 'no_stream', [event('N')])(),
          store.appendToStream('victim-2', 'no_stream', [shared])(),
          store.appendToStream('neighbour-2', 'no_stream', [event('N')])(),
        ]);
        await storeIsBlocked();
        await intruder.query('COMMIT');
        const results = await batch;
        expect(results.map(leftTag)).toEqual([undefined, 'VersionConflict', undefined]);
        expect(store.stats().isolatedBatches).toBe(1);
        expect(await ok(store.readStream('victim-2'))).toEqual([]);
      } finally {
        await intruder.end();
      }
    });
  });

  describe('stored format', () => {
    it('stores the exact JSON text, key order and escapes included', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const data = { z: 1, a: 'nul\u0000 \u2028', m: { y: [1.5, 1e21], b: null } };
      const e: NewEvent = { eventId: crypto.randomUUID(), type: 'Exact', data, metadata: { b: 2, a: 1 } };
      await ok(store.appendToStream('exact', 'no_stream', [e]));
      const rows = await sql((c) => c.query(`SELECT data, metadata FROM "${schema}".events`));
      expect(rows.rows).toEqual([{ data: JSON.stringify(data), metadata: '{"b":2,"a":1}' }]);
      expect(Object.keys((await ok(store.readStream('exact')))[0]?.data ?? {})).toEqual(['z', 'a', 'm']);
    });

    it('reports a row whose JSON does not parse as CorruptEvent, naming stream and position', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      await ok(store.appendToStream('fine', 'no_stream', [event('Fine')]));
      await sql((c) =>
        c.query(
          `INSERT INTO "${schema}".events (stream_name, stream_version, event_id, type, data, metadata)
           VALUES ('damaged', 1, 'bad-1', 'Broken', '{"truncated": ', '{}'),
                  ('damaged', 2, 'bad-2', 'Broken', '[1, 2]', '{}')`,
        ),
      );
      const stream = await store.readStream('damaged')();
      const corrupt = leftOf(stream);
      expect(corrupt).toMatchObject({ _tag: 'CorruptEvent', streamName: 'damaged', globalPosition: 2n });
      expect(corrupt._tag === 'CorruptEvent' && corrupt.reason).toContain('data is not a JSON object');
      const notAnObject = leftOf(await store.readStream('damaged', { fromVersion: 2 })());
      expect(notAnObject).toMatchObject({ _tag: 'CorruptEvent', globalPosition: 3n });
      expect(notAnObject._tag === 'CorruptEvent' && notAnObject.reason).toContain('not an object');
      const all = await store.readAll({ maxCount: 10 })();
      expect(all).toEqual(E.left(expect.objectContaining({ _tag: 'CorruptEvent', streamName: 'damaged' })));
      // A follower stops at the corrupt event instead of skipping it.
      const following = collect(store.follow({}), 10, new AbortController());
      await expect(following).rejects.toSatisfy(
        (error: unknown) => error instanceof StoreFailure && error.failure._tag === 'CorruptEvent',
      );
    });
  });

  describe('migrations', () => {
    it('are recorded once and are a no-op on a second start, even when starts race', async () => {
      const schema = freshSchema();
      await Promise.all([open(schema), open(schema), open(schema)]);
      await open(schema);
      const applied = await sql((c) => c.query(`SELECT version, name FROM "${schema}".schema_migrations`));
      expect(applied.rows).toEqual([{ version: 1, name: 'events' }]);
    });

    it('refuse a schema migrated by a newer release', async () => {
      const schema = freshSchema();
      await open(schema);
      await sql((c) =>
        c.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'future')`),
      );
      await expect(open(schema)).rejects.toSatisfy(
        (error: unknown) => error instanceof StoreFailure && error.failure._tag === 'StoreUnavailable',
      );
    });
  });

  describe('global order across processes', () => {
    it('keeps a gap-free order, seen by a follower, while two store instances append at once', async () => {
      const schema = freshSchema();
      const [a, b, reader] = await Promise.all([open(schema), open(schema), open(schema)]);
      const rounds = 20;
      const perRound = 25;
      const total = 2 * rounds * perRound;
      const controller = new AbortController();
      const following = collect(
        reader.follow({ signal: controller.signal, batchSize: 64 }),
        total,
        controller,
      );
      const writer = async (store: PostgresEventStore, name: string): Promise<void> => {
        for (let round = 0; round < rounds; round++) {
          await Promise.all(
            Array.from({ length: perRound }, (_, i) =>
              ok(store.appendToStream(`${name}-${i}`, round, [event('Tick', { round, i })])),
            ),
          );
        }
      };
      await Promise.all([writer(a, 'a'), writer(b, 'b')]);
      const seen = await following;
      expect(seen).toHaveLength(total);
      expect(seen.map((e) => e.globalPosition)).toEqual(
        Array.from({ length: total }, (_, i) => BigInt(i + 1)),
      );
      for (const name of ['a-0', 'b-7']) {
        expect(seen.filter((e) => e.streamName === name).map((e) => e.streamVersion)).toEqual(
          Array.from({ length: rounds }, (_, i) => i + 1),
        );
      }
      // Both instances really did group their appends.
      expect(a.stats().transactions).toBeLessThan(rounds * perRound);
    });

    it('makes an append wait for an earlier uncommitted one, so a reader never sees a later position first', async () => {
      const schema = freshSchema();
      const store = await open(schema, { applicationName: `accrue-${schema}` });
      const earlier = new Client({ connectionString: url });
      await earlier.connect();
      try {
        await earlier.query('BEGIN');
        await ok(appendInTransaction(earlier, { schema }, 'earlier', 'no_stream', [event('Earlier')]));
        const later = store.appendToStream('later', 'no_stream', [event('Later')])();
        // Without the append lock the later append would take position 2 and commit while 1 is still pending.
        const first = await Promise.race([
          later.then(() => 'later committed'),
          blockedOnLock(`accrue-${schema}`).then(() => 'later waits'),
        ]);
        expect(first).toBe('later waits');
        expect((await ok(store.readAll({ maxCount: 10 }))).events).toEqual([]);
        await earlier.query('COMMIT');
        expect(await later).toEqual(E.right({ nextExpectedVersion: 1, lastPosition: 2n }));
        const log = await ok(store.readAll({ maxCount: 10 }));
        expect(log.events.map((e) => [e.globalPosition, e.type])).toEqual([
          [1n, 'Earlier'],
          [2n, 'Later'],
        ]);
      } finally {
        await earlier.end();
      }
    });

    it('wakes a follower in another instance through NOTIFY, long before its poll interval', async () => {
      const schema = freshSchema();
      const writer = await open(schema);
      const follower = await open(schema, { pollIntervalMs: 120_000 });
      await ok(writer.appendToStream('wake', 'no_stream', [event('First')]));
      const controller = new AbortController();
      const seen: string[] = [];
      let firstSeen: () => void = () => undefined;
      const gotFirst = new Promise<void>((resolve) => (firstSeen = resolve));
      const following = (async () => {
        for await (const e of follower.follow({ signal: controller.signal })) {
          seen.push(e.type);
          if (e.type === 'First') firstSeen();
          if (e.type === 'Second') controller.abort();
        }
      })();
      await gotFirst;
      await ok(writer.appendToStream('wake', 1, [event('Second')]));
      // Only NOTIFY can wake it before the test times out: the writer's in-process signal does not reach it.
      await following;
      expect(seen).toEqual(['First', 'Second']);
    });
  });

  describe('appendInTransaction', () => {
    const inTransaction = async <A>(
      run: (client: Client) => Promise<A>,
      end: 'COMMIT' | 'ROLLBACK',
    ): Promise<A> =>
      sql(async (client) => {
        await client.query('BEGIN');
        try {
          return await run(client);
        } finally {
          await client.query(end);
        }
      });

    it("rolls back with the caller's ROLLBACK, together with the caller's own writes", async () => {
      const schema = freshSchema();
      const store = await open(schema);
      await sql((c) => c.query(`CREATE TABLE "${schema}".outbox (id text)`));
      const result = await inTransaction(async (client) => {
        await client.query(`INSERT INTO "${schema}".outbox VALUES ('o-1')`);
        const appended = await appendInTransaction(client, { schema }, 'embedded', 'no_stream', [
          event('E'),
        ])();
        // Visible inside the caller's transaction…
        const inside = await readAllWithin(client, schemaNameOrThrow(schema), { maxCount: 10 })();
        expect(E.isRight(inside) && inside.right.events.map((e) => e.type)).toEqual(['E']);
        return appended;
      }, 'ROLLBACK');
      expect(E.isRight(result)).toBe(true);
      // …and gone with it.
      expect(await ok(store.readStream('embedded'))).toEqual([]);
      expect((await sql((c) => c.query(`SELECT * FROM "${schema}".outbox`))).rows).toEqual([]);
      // The position burnt by the rollback leaves a hole, never a reordering.
      const next = await ok(store.appendToStream('embedded', 'no_stream', [event('After')]));
      expect(next.lastPosition).toBe(2n);
    });

    it("commits with the caller's COMMIT and wakes followers of the store", async () => {
      const schema = freshSchema();
      const store = await open(schema, { pollIntervalMs: 120_000 });
      const controller = new AbortController();
      const following = collect(store.follow({ signal: controller.signal }), 2, controller);
      const result: E.Either<AppendError, AppendResult> = await inTransaction(
        (client) =>
          appendInTransaction(client, { schema }, 'embedded', 'no_stream', [event('A'), event('B')])(),
        'COMMIT',
      );
      expect(result).toEqual(E.right({ nextExpectedVersion: 2, lastPosition: 2n }));
      expect((await following).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('returns a VersionConflict that leaves the transaction usable, and refuses to run outside one', async () => {
      const schema = freshSchema();
      await open(schema);
      await inTransaction(async (client) => {
        await appendInTransaction(client, { schema }, 'tx', 'no_stream', [event('A')])();
        const conflict = await appendInTransaction(client, { schema }, 'tx', 'no_stream', [event('B')])();
        expect(conflict).toEqual(E.left(expect.objectContaining({ _tag: 'VersionConflict', actual: 1 })));
        await client.query('SELECT 1');
      }, 'COMMIT');
      const outside = await sql((client) =>
        appendInTransaction(client, { schema }, 'tx', 'any', [event('C')])(),
      );
      expect(outside).toEqual(E.left(expect.objectContaining({ _tag: 'StoreUnavailable' })));
    });
  });

  describe('lifecycle and failures', () => {
    it('flushes queued appends on close, ends followers cleanly, and refuses work afterwards', async () => {
      const store = await open();
      await ok(store.appendToStream('life', 'no_stream', [event('A')]));
      const controller = new AbortController();
      let firstSeen: () => void = () => undefined;
      const gotFirst = new Promise<void>((resolve) => (firstSeen = resolve));
      const following = (async () => {
        const seen: string[] = [];
        for await (const e of store.follow({ signal: controller.signal })) {
          seen.push(e.type);
          firstSeen();
        }
        return seen;
      })();
      await gotFirst;
      const queued = store.appendToStream('life', 1, [event('B')])();
      await store.close();
      expect(E.isRight(await queued)).toBe(true);
      expect(await following).toContain('A');
      expect(leftTag(await store.appendToStream('life', 'any', [event('C')])())).toBe('StoreUnavailable');
      expect(leftTag(await store.readStream('life')())).toBe('StoreUnavailable');
      const reopened = await open(store.schema);
      expect((await ok(reopened.readStream('life'))).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it('reports an unreachable server as StoreUnavailable keeping the cause', async () => {
      const failure = await createPostgresEventStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        schema: freshSchema(),
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StoreFailure);
      expect(failure instanceof StoreFailure && failure.failure._tag).toBe('StoreUnavailable');
      expect(
        failure instanceof StoreFailure && 'cause' in failure.failure && failure.failure.cause,
      ).toBeInstanceOf(Error);
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.end();
      const read = await readAllWithin(client, schemaNameOrThrow('public'), { maxCount: 1 })();
      const unavailable = leftOf(read);
      expect(unavailable._tag).toBe('StoreUnavailable');
      expect(unavailable.cause).toBeInstanceOf(Error);
    });

    it('rejects an invalid schema name before touching the database', async () => {
      await expect(
        createPostgresEventStore({ connectionString: url, schema: 'Robert"; DROP' }),
      ).rejects.toThrow(TypeError);
    });
  });
});

const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;
