import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import * as E from 'fp-ts/lib/Either.js';

import type { AppendError, AppendResult, ExpectedVersion, NewEvent } from '@accrue/domain';
import { serialisedJsonOf, storeUnavailable, versionConflict } from '@accrue/domain';

export type AppendOutcome = E.Either<AppendError, AppendResult>;

export interface WriterThreadOptions {
  /** The database file (already created and migrated by the caller). */
  readonly path: string;
  /** Most append requests committed in one transaction. */
  readonly maxBatch: number;
  /** Called after every transaction that committed at least one append. */
  readonly onCommit: () => void;
}

export interface WriterThread {
  append(
    streamName: string,
    expected: ExpectedVersion,
    events: ReadonlyArray<NewEvent>,
  ): Promise<AppendOutcome>;
  /** Resolves once every append requested so far has its outcome. */
  drain(): Promise<void>;
  /** Drains, then closes the writer's connection and ends the thread. */
  close(): Promise<void>;
  stats(): { readonly commits: number; readonly appendRequests: number };
}

/**
 * Requests are posted to the writer in chunks of at most this many (fewer when the writer is idle, or at the
 * end of an event-loop turn): one message costs a few microseconds, so a message per append would cost more
 * than it saves, while a chunk keeps the writer fed during a long turn of command work.
 */
const CHUNK = 8;

/**
 * The append path of the SQLite store, on a `worker_threads` thread with its own connection, so that the
 * transaction, its inserts and its fsync run on another core while this thread handles commands.
 *
 * Group commit happens in the writer: every request that reached it while it was committing is checked and
 * written in the next IMMEDIATE transaction (one fsync for all), and each caller gets its own result. A result
 * is posted back only after `COMMIT` returned, so an acknowledged append is durable (`synchronous=FULL`). The
 * expected-version and event-id checks run inside that transaction, on the writer's connection: they are
 * authoritative whatever readers on other connections have seen. SQLite allows one writer at a time, so
 * positions are allocated and committed in the same order and readers never see a gap filled in behind them.
 *
 * The thread runs `WRITER_SOURCE` (plain JavaScript, evaluated): it needs no build step or loader, so the
 * store works the same from `dist`, under `tsx` and under Vitest.
 */
export const startWriterThread = (options: WriterThreadOptions): WriterThread => {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WRITER_SOURCE, {
    eval: true,
    workerData: { driver, path: options.path, maxBatch: options.maxBatch, walPages: WAL_CHECKPOINT_PAGES },
  });

  interface Pending {
    readonly streamName: string;
    readonly expected: ExpectedVersion;
    readonly resolve: (outcome: AppendOutcome) => void;
  }
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let outgoing: unknown[] = [];
  let outgoingCount = 0;
  let postScheduled = false;
  let failure: Error | undefined;
  let commits = 0;
  let appendRequests = 0;
  let drainWaiters: Array<() => void> = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // An idle writer does not keep the process alive (an open SQLite file never did).
  worker.unref();

  const settle = (id: number, outcome: AppendOutcome): void => {
    const request = pending.get(id);
    if (request === undefined) return;
    pending.delete(id);
    request.resolve(outcome);
    if (pending.size === 0) {
      worker.unref();
      const waiters = drainWaiters;
      drainWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  const failAll = (error: Error): void => {
    failure ??= error;
    outgoing = [];
    outgoingCount = 0;
    for (const id of [...pending.keys()]) settle(id, E.left(storeUnavailable('sqlite append', failure)));
  };

  const post = (): void => {
    postScheduled = false;
    if (outgoingCount === 0) return;
    const message = outgoing;
    outgoing = [];
    outgoingCount = 0;
    worker.postMessage(message);
  };

  worker.on('message', (message: WriterReply) => {
    if ('fatal' in message) {
      failAll(sqliteError(message.fatal));
      return;
    }
    appendRequests += message.requests;
    if (message.committed) commits += 1;
    if (message.notify) options.onCommit();
    const results = message.results;
    const error = message.error === undefined ? undefined : sqliteError(message.error);
    for (let i = 0; i < results.length; i += 4) {
      const id = results[i] as number;
      const code = results[i + 1];
      const request = pending.get(id);
      if (request === undefined) continue;
      if (code === OK) {
        settle(
          id,
          E.right({ nextExpectedVersion: results[i + 2] as number, lastPosition: results[i + 3] as bigint }),
        );
      } else if (code === CONFLICT || code === DUPLICATE) {
        const cause = code === DUPLICATE ? new Error('an event id is already stored') : undefined;
        settle(
          id,
          E.left(versionConflict(request.streamName, request.expected, results[i + 2] as number, cause)),
        );
      } else {
        settle(id, E.left(storeUnavailable('sqlite append', error)));
      }
    }
  });
  worker.on('error', (error) => {
    failAll(error);
  });
  worker.on('exit', () => {
    failAll(new Error('the SQLite writer thread has stopped'));
  });

  const append: WriterThread['append'] = (streamName, expected, events) => {
    if (failure !== undefined) return Promise.resolve(E.left(storeUnavailable('sqlite append', failure)));
    // Serialise here, before anything is queued: a value JSON cannot hold fails this append alone (and code that
    // JSON runs, a `toJSON`, cannot interleave another append with this one's fields).
    const fields: unknown[] = [];
    try {
      for (const event of events) {
        const serialised = serialisedJsonOf(event);
        const data: unknown = serialised?.data ?? JSON.stringify(event.data);
        const metadata: unknown = serialised?.metadata ?? JSON.stringify(event.metadata);
        if (typeof data !== 'string' || typeof metadata !== 'string')
          throw new Error(`event ${event.eventId} has no JSON data or metadata`);
        fields.push(event.eventId, event.type, data, metadata);
      }
    } catch (error) {
      return Promise.resolve(E.left(storeUnavailable('sqlite append', error)));
    }
    const id = nextId++;
    return new Promise<AppendOutcome>((resolve) => {
      if (pending.size === 0) worker.ref();
      const inFlight = pending.size - outgoingCount;
      pending.set(id, { streamName, expected, resolve });
      outgoing.push(id, streamName, expected, events.length);
      for (const field of fields) outgoing.push(field);
      outgoingCount += 1;
      // An idle writer starts at once; a busy one gets full chunks, and the rest at the end of this turn.
      if (inFlight === 0 || outgoingCount >= CHUNK) post();
      else if (!postScheduled) {
        postScheduled = true;
        setImmediate(post);
      }
    });
  };

  const drain = async (): Promise<void> => {
    while (pending.size > 0) {
      await new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
      });
    }
  };

  return {
    append,
    drain,
    close: async () => {
      await drain();
      if (!exited) {
        worker.ref();
        worker.postMessage(CLOSE);
      }
      await exit;
    },
    stats: () => ({ commits, appendRequests }),
  };
};

const sqliteError = (described: { readonly message: string; readonly code?: string }): Error =>
  Object.assign(new Error(described.message), described.code === undefined ? {} : { code: described.code });

/**
 * The WAL size (in pages) at which a commit checkpoints it. SQLite's default, 1,000 pages (4 MB), meant a
 * checkpoint every fifty commits or so under load, each stalling the writer for several milliseconds (copying
 * pages back and syncing the database file): a quarter of its time. Ten times that coalesces the many
 * rewrites of the same index pages into one copy, and cuts those stalls to a fifth. The cost: a WAL file of up
 * to about 40 MB, and an occasional longer stall. Durability does not depend on checkpoints (a commit is durable
 * once its WAL frames are synced).
 */
export const WAL_CHECKPOINT_PAGES = 10_000;

/** Result codes, four numbers per request: id, code, then the version (and position for `OK`). */
const OK = 0;
const CONFLICT = 1;
const DUPLICATE = 2;
const CLOSE = 'close';

type WriterReply =
  | { readonly fatal: { readonly message: string; readonly code?: string } }
  | {
      readonly requests: number;
      readonly committed: boolean;
      readonly notify: boolean;
      readonly results: ReadonlyArray<number | bigint>;
      readonly error?: { readonly message: string; readonly code?: string };
    };

/**
 * The writer thread. Messages in: flat arrays of requests (`id, streamName, expected, eventCount`, then
 * `eventId, type, dataJson, metadataJson` per event), or `'close'`. Messages out: one per transaction.
 */
const WRITER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const describe = (error) => ({
  message: error instanceof Error ? error.message : String(error),
  ...(error && typeof error.code === 'string' ? { code: error.code } : {}),
});
const open = () => {
  try {
    const Database = require(workerData.driver);
    const db = new Database(workerData.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('wal_autocheckpoint = ' + String(workerData.walPages));
    return db;
  } catch (error) {
    parentPort.postMessage({ fatal: describe(error) });
    parentPort.close();
    return undefined;
  }
};
const db = open();
if (db !== undefined) serve(db);

function serve(db) {

// Plucked: the value itself, without a row object built for it.
const selectVersion = db.prepare('SELECT MAX(stream_version) FROM events WHERE stream_name = ?').pluck();
const selectLastPosition = db.prepare('SELECT MAX(global_position) AS position FROM events').safeIntegers(true);
// One query per batch for every event id in it (json_each), instead of one query per event.
const selectExistingIds = db
  .prepare('SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))')
  .pluck();
// OR FAIL rather than the default OR ABORT: the same error, and the same state after it (a one-row insert checks
// every constraint before it writes anything, and any error rolls the whole batch back), but no statement
// journal: under ABORT, SQLite saved a copy of each page an insert changed, to undo that one statement.
const insertEvent = db
  .prepare('INSERT OR FAIL INTO events (stream_name, stream_version, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)')
  .safeIntegers(true);

const holds = (expected, current) =>
  expected === 'any' ? true
  : expected === 'no_stream' ? current === 0
  : expected === 'stream_exists' ? current > 0
  : expected === current;

// Checks and writes a batch; results are pushed four numbers per request (see OK, CONFLICT, DUPLICATE).
const writeBatch = db.transaction((batch, results) => {
  const versions = new Map();
  const idsInBatch = new Set();
  let lastPosition;
  const ids = [];
  for (const { count, fields, at } of batch) for (let k = 0; k < count; k++) ids.push(fields[at + 4 * k]);
  const existingIds = new Set(selectExistingIds.all(JSON.stringify(ids)));
  let notify = false;
  for (const { id, streamName, expected, count, fields, at } of batch) {
    let current = versions.get(streamName);
    if (current === undefined) current = selectVersion.get(streamName) ?? 0;
    if (!holds(expected, current)) {
      results.push(id, 1, current, 0);
      continue;
    }
    let duplicate = false;
    const own = count > 1 ? new Set() : undefined;
    for (let k = 0; k < count; k++) {
      const eventId = fields[at + 4 * k];
      if (idsInBatch.has(eventId) || existingIds.has(eventId) || (own !== undefined && own.has(eventId))) duplicate = true;
      if (own !== undefined) own.add(eventId);
    }
    if (duplicate) {
      results.push(id, 2, current, 0);
      continue;
    }
    for (let k = 0; k < count; k++) {
      const o = at + 4 * k;
      lastPosition = insertEvent.run(streamName, current + k + 1, fields[o], fields[o + 1], fields[o + 2], fields[o + 3]).lastInsertRowid;
      idsInBatch.add(fields[o]);
    }
    if (count > 0) notify = true;
    else if (lastPosition === undefined) lastPosition = selectLastPosition.get().position ?? 0n;
    versions.set(streamName, current + count);
    results.push(id, 0, current + count, lastPosition);
  }
  return notify;
});

let queue = [];
let scheduled = false;
let closing = false;

const flush = () => {
  scheduled = false;
  while (queue.length > 0) {
    const batch = queue.length <= workerData.maxBatch ? queue : queue.slice(0, workerData.maxBatch);
    queue = batch === queue ? [] : queue.slice(batch.length);
    const results = [];
    try {
      const notify = writeBatch.immediate(batch, results);
      parentPort.postMessage({ requests: batch.length, committed: true, notify, results });
    } catch (error) {
      const failed = [];
      for (const request of batch) failed.push(request.id, 3, 0, 0);
      parentPort.postMessage({ requests: batch.length, committed: false, notify: false, results: failed, error: describe(error) });
    }
  }
  if (closing) {
    db.close();
    parentPort.close();
  }
};

parentPort.on('message', (message) => {
  if (message === 'close') closing = true;
  else {
    // A request keeps its place in the message: its events are the four fields from 'at' on, four by four.
    for (let i = 0; i < message.length; ) {
      const count = message[i + 3];
      queue.push({ id: message[i], streamName: message[i + 1], expected: message[i + 2], count, fields: message, at: i + 4 });
      i += 4 + 4 * count;
    }
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
}
`;
