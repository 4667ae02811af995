import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { ReadError, ReadStreamOptions, RecordedEvent } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import { decodeEventRows, eventColumns } from './codecs.js';
import { classifyFailure } from './postgresErrors.js';
import type { Queryable } from './queryable.js';
import { readStreamWithin } from './readStreamWithin.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

export interface StreamReader {
  read(
    streamName: string,
    options?: ReadStreamOptions,
  ): TE.TaskEither<ReadError, ReadonlyArray<RecordedEvent>>;
}

interface PendingRead {
  readonly streamName: string;
  readonly options: ReadStreamOptions;
  readonly resolve: (result: E.Either<ReadError, ReadonlyArray<RecordedEvent>>) => void;
}

/**
 * `readStream` for the store, with reads coalesced: those requested in the same event-loop turn go to the
 * server as one statement (one `LATERAL` index scan per stream), each getting its own events back.
 *
 * Why: under load every command reads its stream, and a statement costs a socket write, a wake-up of a backend
 * and a parse on a 2-core machine shared with the server; those, not the index scans, were most of the cost of
 * a read. Coalescing is invisible to callers: a read is sent after it is requested, so it sees every append
 * that completed before it was requested, and one statement reads all its streams from one snapshot.
 *
 * A batch that fails because of one read's data (a NUL in a stream name, a negative `maxCount`) is retried read
 * by read so only that read fails; a batch that fails otherwise (connection lost) fails every read in it.
 */
export const createStreamReader = (deps: {
  readonly pool: Queryable;
  readonly schema: SchemaName;
  /** At most this many reads per statement (default 128). */
  readonly maxBatch?: number;
}): StreamReader => {
  const maxBatch = deps.maxBatch ?? 128;
  let pending: PendingRead[] = [];

  const alone = async (read: PendingRead): Promise<void> => {
    read.resolve(await readStreamWithin(deps.pool, deps.schema, read.streamName, read.options)());
  };

  const together = async (reads: ReadonlyArray<PendingRead>): Promise<void> => {
    let rows: ReadonlyArray<{ readonly request: number }>;
    try {
      rows = (await deps.pool.query(batchSql(deps.schema), batchParameters(reads))).rows;
    } catch (cause) {
      if (classifyFailure(cause) !== 'unavailable') {
        await Promise.all(reads.map(alone));
        return;
      }
      for (const read of reads) read.resolve(E.left(storeUnavailable('readStream', cause)));
      return;
    }
    // Rows come ordered by request, then version: slice them per request.
    let start = 0;
    reads.forEach((read, i) => {
      let end = start;
      while (end < rows.length && rows[end]?.request === i + 1) end++;
      read.resolve(decodeEventRows(rows.slice(start, end)));
      start = end;
    });
  };

  const flush = (): void => {
    const reads = pending;
    pending = [];
    for (let i = 0; i < reads.length; i += maxBatch) {
      const chunk = reads.slice(i, i + maxBatch);
      const [only] = chunk;
      void (chunk.length === 1 && only !== undefined ? alone(only) : together(chunk));
    }
  };

  return {
    read:
      (streamName, options = {}) =>
      () =>
        new Promise((resolve) => {
          // setImmediate, not a microtask: producers woken by the same commit all get to ask before it runs.
          if (pending.length === 0) setImmediate(flush);
          pending.push({ streamName, options, resolve });
        }),
  };
};

const batchSql = (schema: SchemaName): string =>
  `SELECT q.request::int AS request, e.*
   FROM unnest($1::text[], $2::int[], $3::int[]) WITH ORDINALITY AS q(name, from_version, max_count, request)
   CROSS JOIN LATERAL (
     SELECT ${eventColumns} FROM ${qualified(schema, 'events')}
     WHERE stream_name = q.name AND stream_version >= q.from_version
     ORDER BY stream_version
     LIMIT q.max_count
   ) AS e
   ORDER BY q.request, e.stream_version`;

// The same bounds as `readStreamWithin`: versions from 1, and a null limit (no `maxCount`) is no limit.
const batchParameters = (reads: ReadonlyArray<PendingRead>): unknown[] => [
  reads.map((read) => read.streamName),
  reads.map((read) => Math.max(1, read.options.fromVersion ?? 1)),
  reads.map((read) => read.options.maxCount ?? null),
];
