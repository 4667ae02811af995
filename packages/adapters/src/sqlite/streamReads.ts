import * as E from 'fp-ts/lib/Either.js';

import type { ReadError, ReadStreamOptions, RecordedEvent } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import type { SqliteDatabase } from './openDatabase.js';
import type { EventRow } from './rows.js';
import { EVENT_COLUMNS, decodeEventRows } from './rows.js';

export type StreamReadResult = E.Either<ReadError, RecordedEvent[]>;

interface PendingRead {
  readonly streamName: string;
  readonly resolve: (result: StreamReadResult) => void;
}

/**
 * `readStream` for the SQLite store, with whole-stream reads coalesced: those requested in the same event-loop
 * turn run as one statement (a `json_each` of the stream names joined to the stream index), each getting its
 * own events back.
 *
 * Why: under load every command reads its stream, and in WAL mode each statement opens and closes a read
 * transaction; that, not the index lookup, was most of the cost of a read (about 10 µs for a missing stream,
 * against well under 1 µs each in a batch). Coalescing is invisible to callers: a read runs after it is
 * requested, so it sees every append acknowledged before it was requested, and one statement reads all its
 * streams from one snapshot. Reads from a version or with a limit (rare, never the command handler's) run
 * alone, as before.
 */
export const createStreamReads = (
  db: SqliteDatabase,
  isClosed: () => ReadError | undefined,
): ((streamName: string, options: ReadStreamOptions) => Promise<StreamReadResult>) => {
  const selectStream = db
    .prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_name = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
    )
    .safeIntegers(true);
  const qualifiedColumns = EVENT_COLUMNS.split(', ')
    .map((column) => `e.${column}`)
    .join(', ');
  const selectStreams = db
    .prepare<[string], EventRow & { readonly request: bigint }>(
      `SELECT q.key AS request, ${qualifiedColumns} FROM json_each(?) AS q
       JOIN events AS e ON e.stream_name = q.value
       ORDER BY q.key, e.stream_version`,
    )
    .safeIntegers(true);

  const alone = (streamName: string, options: ReadStreamOptions): StreamReadResult => {
    const closed = isClosed();
    if (closed !== undefined) return E.left(closed);
    try {
      return decodeEventRows(
        selectStream.all(streamName, Math.max(1, options.fromVersion ?? 1), options.maxCount ?? -1),
      );
    } catch (error) {
      return E.left(storeUnavailable('sqlite readStream', error));
    }
  };

  let pending: PendingRead[] = [];

  const flush = (): void => {
    const reads = pending;
    pending = [];
    const [only] = reads;
    if (reads.length === 1 && only !== undefined) {
      only.resolve(alone(only.streamName, {}));
      return;
    }
    const closed = isClosed();
    if (closed !== undefined) {
      for (const read of reads) read.resolve(E.left(closed));
      return;
    }
    let rows: ReadonlyArray<EventRow & { readonly request: bigint }>;
    try {
      rows = selectStreams.all(JSON.stringify(reads.map((read) => read.streamName)));
    } catch {
      // Whatever failed, let each read fail (or succeed) on its own.
      for (const read of reads) read.resolve(alone(read.streamName, {}));
      return;
    }
    // Rows come ordered by request, then version: slice them per request.
    let start = 0;
    reads.forEach((read, i) => {
      let end = start;
      while (end < rows.length && Number(rows[end]?.request) === i) end++;
      read.resolve(decodeEventRows(start === end ? [] : rows.slice(start, end)));
      start = end;
    });
  };

  return (streamName, options) => {
    if ((options.fromVersion ?? 1) > 1 || options.maxCount !== undefined)
      return Promise.resolve(alone(streamName, options));
    return new Promise((resolve) => {
      // setImmediate, not a microtask: producers woken by the same commit all get to ask before it runs.
      if (pending.length === 0) setImmediate(flush);
      pending.push({ streamName, resolve });
    });
  };
};
