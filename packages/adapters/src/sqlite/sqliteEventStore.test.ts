import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

import type { NewEvent } from '@accrue/domain';

import { eventStoreContract } from '../testing/eventStoreContract.js';
import { openSqliteDatabase } from './openDatabase.js';
import { createSqliteEventStore } from './sqliteEventStore.js';

const folder = mkdtempSync(join(tmpdir(), 'accrue-sqlite-'));
let files = 0;
const freshPath = (): string => join(folder, `store-${files++}`, 'accrue.db');

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

eventStoreContract('sqlite', () =>
  Promise.resolve(createSqliteEventStore({ path: freshPath(), pollIntervalMs: 20 })),
);

const event = (type: string, data: Record<string, number | string> = {}): NewEvent => ({
  eventId: crypto.randomUUID(),
  type,
  data,
  metadata: {},
});

describe('sqlite event store', () => {
  it('commits concurrent appends together (group commit), each with its own outcome', async () => {
    const store = createSqliteEventStore({ path: freshPath() });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.appendToStream(`s-${i % 150}`, i < 150 ? 'no_stream' : 1, [event('E', { i })])(),
      ),
    );
    expect(results.every(E.isRight)).toBe(true);
    const { commits, appendRequests } = store.stats();
    expect(appendRequests).toBe(200);
    expect(commits).toBeLessThan(10);
    // A conflicting request in a batch fails alone.
    const mixed = await Promise.all([
      store.appendToStream('s-0', 2, [event('Ok')])(),
      store.appendToStream('s-1', 99, [event('Conflict')])(),
      store.appendToStream('s-0', 3, [event('OkToo')])(),
    ]);
    expect(mixed.map((r) => (E.isRight(r) ? 'ok' : r.left._tag))).toEqual(['ok', 'VersionConflict', 'ok']);
    await store.close();
  });

  it('refuses a duplicate event id and writes nothing of that append', async () => {
    const store = createSqliteEventStore({ path: freshPath() });
    const first = event('First');
    expect(E.isRight(await store.appendToStream('a', 'no_stream', [first])())).toBe(true);
    const again = await store.appendToStream('b', 'no_stream', [event('Other'), first])();
    expect(E.isLeft(again) && again.left._tag).toBe('VersionConflict');
    const b = await store.readStream('b')();
    expect(E.isRight(b) && b.right).toEqual([]);
    await store.close();
  });

  it('fails an append that JSON cannot hold, alone, and sends the writer nothing of it', async () => {
    const store = createSqliteEventStore({ path: freshPath() });
    const unserialisable: NewEvent = {
      eventId: crypto.randomUUID(),
      type: 'Bad',
      data: { amount: 1n } as unknown as NewEvent['data'],
      metadata: {},
    };
    // One turn: the last two share a message to the writer, the failing one between events of its own.
    const results = await Promise.all([
      store.appendToStream('a', 'no_stream', [event('A1')])(),
      store.appendToStream('b', 'no_stream', [event('B1'), unserialisable])(),
      store.appendToStream('c', 'no_stream', [event('C1', { n: 1 }), event('C2', { n: 2 })])(),
    ]);
    expect(results.map((r) => (E.isRight(r) ? r.right.nextExpectedVersion : r.left._tag))).toEqual([
      1,
      'StoreUnavailable',
      2,
    ]);
    const streams = await Promise.all(['a', 'b', 'c'].map((name) => store.readStream(name)()));
    expect(streams.map((r) => (E.isRight(r) ? r.right.map((e) => [e.type, e.data]) : r.left._tag))).toEqual([
      [['A1', {}]],
      [],
      [
        ['C1', { n: 1 }],
        ['C2', { n: 2 }],
      ],
    ]);
    await store.close();
  });

  it('keeps what was committed across a reopen, and migrates once', async () => {
    const path = freshPath();
    const store = createSqliteEventStore({ path });
    await store.appendToStream('kept', 'no_stream', [event('A'), event('B')])();
    await store.close();
    const reopened = createSqliteEventStore({ path });
    const read = await reopened.readStream('kept')();
    expect(E.isRight(read) && read.right.map((e) => e.type)).toEqual(['A', 'B']);
    expect(reopened.database.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 1 });
    await reopened.close();
  });

  it('reports a damaged row as CorruptEvent naming where it is', async () => {
    const path = freshPath();
    const store = createSqliteEventStore({ path });
    await store.appendToStream('damaged', 'no_stream', [event('A')])();
    await store.close();
    const db = openSqliteDatabase(path);
    db.prepare("UPDATE events SET data = '{not json' WHERE stream_name = 'damaged'").run();
    db.close();
    const reopened = createSqliteEventStore({ path });
    const read = await reopened.readStream('damaged')();
    expect(E.isLeft(read) && read.left).toMatchObject({
      _tag: 'CorruptEvent',
      streamName: 'damaged',
      globalPosition: 1n,
    });
    await reopened.close();
  });

  it('runs in WAL mode with synchronous=FULL', async () => {
    const store = createSqliteEventStore({ path: freshPath() });
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(2);
    await store.close();
  });

  it('answers StoreUnavailable once closed', async () => {
    const store = createSqliteEventStore({ path: freshPath() });
    await store.close();
    const read = await store.readStream('x')();
    expect(E.isLeft(read) && read.left._tag).toBe('StoreUnavailable');
    const append = await store.appendToStream('x', 'any', [event('A')])();
    expect(E.isLeft(append) && append.left._tag).toBe('StoreUnavailable');
  });
});
