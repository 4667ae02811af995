import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type {
  AppendError,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllBatch,
  ReadError,
  RecordedEvent,
  StoreUnavailable,
} from '@accrue/domain';
import { storeUnavailable, versionConflict } from '@accrue/domain';

import { createBatchQueue } from '../shared/batchQueue.js';
import { CommitSignal } from '../shared/commitSignal.js';
import { expectedVersionHolds } from '../shared/expectedVersion.js';
import { followByReading } from '../shared/follow.js';
import type { SqliteDatabase } from './openDatabase.js';
import { openSqliteDatabase } from './openDatabase.js';
import type { EventRow } from './rows.js';
import { EVENT_COLUMNS, decodeEventRows } from './rows.js';

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

interface AppendRequest {
  readonly streamName: string;
  readonly expected: ExpectedVersion;
  readonly events: ReadonlyArray<NewEvent>;
}

/**
 * The embedded default event store (better-sqlite3, WAL, `synchronous=FULL`).
 *
 * Appends use group commit: every append requested while a flush is pending is checked and written in one
 * IMMEDIATE transaction, one fsync for all of them, and each caller gets its own result (its events, or its
 * own `VersionConflict`). SQLite allows one writer at a time, so positions are allocated and committed in
 * the same order and readers never see a gap filled in behind them.
 */
export const createSqliteEventStore = (options: SqliteEventStoreOptions): SqliteEventStore => {
  const db = openSqliteDatabase(options.path);
  const commits = new CommitSignal();
  let closed = false;
  let commitCount = 0;
  let requestCount = 0;

  const selectStream = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_name = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
    )
    .safeIntegers(true);
  const selectAll = db
    .prepare<[bigint, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    )
    .safeIntegers(true);
  const selectVersion = db.prepare<[string], { version: number | null }>(
    'SELECT MAX(stream_version) AS version FROM events WHERE stream_name = ?',
  );
  const selectLastPosition = db
    .prepare<[], { position: bigint | null }>('SELECT MAX(global_position) AS position FROM events')
    .safeIntegers(true);
  // One query per batch for every event id in it (json_each), instead of one query per event.
  const selectExistingIds = db.prepare<[string], { event_id: string }>(
    'SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))',
  );
  const insertEvent = db
    .prepare<[string, number, string, string, string, string]>(
      'INSERT INTO events (stream_name, stream_version, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .safeIntegers(true);

  type Outcome = E.Either<AppendError, AppendResult>;

  const writeBatch = db.transaction((batch: ReadonlyArray<AppendRequest>): Outcome[] => {
    const versions = new Map<string, number>();
    const idsInBatch = new Set<string>();
    let lastPosition = selectLastPosition.get()?.position ?? 0n;
    const existingIds = new Set(
      selectExistingIds
        .all(JSON.stringify(batch.flatMap((request) => request.events.map((event) => event.eventId))))
        .map((row) => row.event_id),
    );
    const versionOf = (stream: string): number =>
      versions.get(stream) ?? selectVersion.get(stream)?.version ?? 0;
    return batch.map(({ streamName, expected, events }): Outcome => {
      const current = versionOf(streamName);
      if (!expectedVersionHolds(expected, current))
        return E.left(versionConflict(streamName, expected, current));
      const duplicate =
        new Set(events.map((event) => event.eventId)).size !== events.length ||
        events.some((event) => idsInBatch.has(event.eventId) || existingIds.has(event.eventId));
      if (duplicate)
        return E.left(
          versionConflict(streamName, expected, current, new Error('an event id is already stored')),
        );
      events.forEach((event, i) => {
        const info = insertEvent.run(
          streamName,
          current + i + 1,
          event.eventId,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
        );
        lastPosition = BigInt(info.lastInsertRowid);
        idsInBatch.add(event.eventId);
      });
      versions.set(streamName, current + events.length);
      return E.right({ nextExpectedVersion: current + events.length, lastPosition });
    });
  });

  const queue = createBatchQueue<AppendRequest, Outcome>(
    (batch) => {
      requestCount += batch.length;
      try {
        const outcomes = writeBatch.immediate(batch);
        commitCount += 1;
        if (outcomes.some(E.isRight)) commits.notify();
        return outcomes;
      } catch (error) {
        return batch.map(() => E.left(storeUnavailable('sqlite append', error)));
      }
    },
    { maxBatch: options.maxBatch ?? 1000 },
  );

  const closedError = (): StoreUnavailable => storeUnavailable('sqlite', new Error('the store is closed'));

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
    stats: () => ({ commits: commitCount, appendRequests: requestCount }),
    readStream: (streamName, readOptions = {}) =>
      read('sqlite readStream', () =>
        decodeEventRows(
          selectStream.all(streamName, Math.max(1, readOptions.fromVersion ?? 1), readOptions.maxCount ?? -1),
        ),
      ),
    appendToStream: (streamName, expected, events) => () => {
      if (closed) return Promise.resolve(E.left(closedError()));
      return queue.enqueue({ streamName, expected, events });
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
      await queue.drain();
      closed = true;
      commits.notify();
      db.close();
    },
  };
  return store;
};
