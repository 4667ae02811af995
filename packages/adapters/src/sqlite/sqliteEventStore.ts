import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { EventStore, ReadAllBatch, ReadError, RecordedEvent, StoreUnavailable } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import { CommitSignal } from '../shared/commitSignal.js';
import { followByReading } from '../shared/follow.js';
import type { SqliteDatabase } from './openDatabase.js';
import { openSqliteDatabase } from './openDatabase.js';
import type { EventRow } from './rows.js';
import { EVENT_COLUMNS, decodeEventRows } from './rows.js';
import { createStreamReads } from './streamReads.js';
import { WAL_CHECKPOINT_PAGES, startWriterThread } from './writerThread.js';

export interface SqliteEventStoreOptions {
  /** Database file; created with its folder if missing. `:memory:` for a throwaway store. */
  readonly path: string;
  /** Most append requests committed together (default 1,000). */
  readonly maxBatch?: number;
  /** How often followers look for events committed by other processes (default 250 ms). */
  readonly pollIntervalMs?: number;
}

export interface SqliteEventStoreStats {
  /** Durable commits made for appends. */
  readonly commits: number;
  /** Append requests accepted or refused. */
  readonly appendRequests: number;
}

export type SqliteEventStore = EventStore & {
  readonly stats: () => SqliteEventStoreStats;
  /** The open database, for read models that commit with their checkpoint in the same file. */
  readonly database: SqliteDatabase;
};

/**
 * The embedded default event store (better-sqlite3, WAL, `synchronous=FULL`).
 *
 * Appends go to a writer thread with its own connection (see `writerThread.ts`): group commit, one IMMEDIATE
 * transaction and one fsync for every append that reached it while it was committing, each caller with its
 * own result (its events, or its own `VersionConflict`), acknowledged only once committed. The transaction and
 * its fsync run on another core, so they overlap with the command work of this thread instead of blocking it.
 * Reads run on this thread's connection (WAL: each sees a committed snapshot), whole-stream reads of one
 * event-loop turn coalesced into one statement (see `streamReads.ts`).
 *
 * `:memory:` gets a private temporary file instead, removed on close: an in-memory database has a single
 * connection, and the writer needs its own.
 */
export const createSqliteEventStore = (options: SqliteEventStoreOptions): SqliteEventStore => {
  const temporary = options.path === ':memory:' ? mkdtempSync(join(tmpdir(), 'accrue-events-')) : undefined;
  const path = temporary === undefined ? options.path : join(temporary, 'events.db');
  // Opening here creates and migrates the file before the writer thread opens it.
  const db = openSqliteDatabase(path);
  // The writer's checkpoint threshold here too: a commit on this connection (a read model's) must not be the
  // one that runs a checkpoint of the writer's large WAL on this thread.
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  const commits = new CommitSignal();
  let closed = false;

  const selectAll = db
    .prepare<[bigint, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    )
    .safeIntegers(true);

  const writer = startWriterThread({
    path,
    maxBatch: options.maxBatch ?? 1000,
    onCommit: () => {
      commits.notify();
    },
  });

  const closedError = (): StoreUnavailable => storeUnavailable('sqlite', new Error('the store is closed'));
  const readStream = createStreamReads(db, () => (closed ? closedError() : undefined));

  const read =
    <A>(operation: string, run: () => E.Either<ReadError, A>): TE.TaskEither<ReadError, A> =>
    () => {
      if (closed) return Promise.resolve(E.left(closedError()));
      try {
        return Promise.resolve(run());
      } catch (error) {
        return Promise.resolve(E.left(storeUnavailable(operation, error)));
      }
    };

  const store: SqliteEventStore = {
    database: db,
    stats: () => writer.stats(),
    readStream:
      (streamName, readOptions = {}) =>
      () =>
        readStream(streamName, readOptions),
    appendToStream: (streamName, expected, events) => () => {
      if (closed) return Promise.resolve(E.left(closedError()));
      return writer.append(streamName, expected, events);
    },
    readAll: ({ after, maxCount }) =>
      read('sqlite readAll', () =>
        E.map((events: RecordedEvent[]): ReadAllBatch => ({
          events,
          lastPosition: events.at(-1)?.globalPosition ?? after,
        }))(decodeEventRows(selectAll.all(after ?? 0n, maxCount))),
      ),
    follow: (followOptions) =>
      followByReading((readOptions) => store.readAll(readOptions), commits, {
        ...followOptions,
        ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
      }),
    close: async () => {
      if (closed) return;
      await writer.drain();
      closed = true;
      commits.notify();
      await writer.close();
      db.close();
      if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
    },
  };
  return store;
};
