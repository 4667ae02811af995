import * as E from 'fp-ts/lib/Either.js';
import type { Pool, PoolClient } from 'pg';

import type { AppendError, AppendResult } from '@accrue/domain';
import { storeUnavailable, versionConflict } from '@accrue/domain';

import { createBatchQueue } from '../shared/batchQueue.js';
import type { AppendRequest } from './appendRequest.js';
import { appendWithin } from './appendWithin.js';
import { classifyFailure } from './postgresErrors.js';
import type { SchemaName } from './schemaName.js';

/** Counters for tests and metrics; they only grow. */
export interface GroupCommitStats {
  /** Append requests resolved (written, refused or failed). */
  readonly requests: number;
  /** Events written. */
  readonly events: number;
  /** Transactions begun for appends (one per batch, plus one per request when a batch is retried alone). */
  readonly transactions: number;
  /** Batches retried request by request after an error caused by one request's data. */
  readonly isolatedBatches: number;
  /** The most requests one transaction carried. */
  readonly largestBatch: number;
}

export interface GroupCommitLimits {
  /** At most this many requests per transaction (default 1,000). */
  readonly maxBatchRequests?: number;
  /** At most about this many events per transaction (default 5,000); a larger single request goes alone. */
  readonly maxBatchEvents?: number;
}

export interface GroupCommitter {
  append(request: AppendRequest): Promise<E.Either<AppendError, AppendResult>>;
  /** Resolves once every request queued so far has been written or refused. */
  drain(): Promise<void>;
  stats(): GroupCommitStats;
}

/**
 * Group commit on the shared `BatchQueue`: requests made in the same event-loop turn, and those that arrive
 * while a transaction is in flight, are written together in one transaction by `appendWithin`, then each is
 * resolved with its own result. Batches are capped by request count (the queue) and by event count (here).
 * A commit costs a WAL flush and several round trips, so sharing one between many requests is what lets a
 * durable store take more appends per second than it can commit transactions (see stack.md).
 *
 * One transaction at a time per store: they would queue on the schema's append lock anyway, and a single
 * writer keeps requests in arrival order. `onCommitted` runs after each successful commit (to wake followers in
 * this process without waiting for `NOTIFY`).
 */
export const createGroupCommitter = (deps: {
  readonly pool: Pool;
  readonly schema: SchemaName;
  readonly limits?: GroupCommitLimits;
  readonly onCommitted: () => void;
}): GroupCommitter => {
  const maxRequests = deps.limits?.maxBatchRequests ?? 1000;
  const maxEvents = deps.limits?.maxBatchEvents ?? 5000;
  const counters = { requests: 0, events: 0, transactions: 0, isolatedBatches: 0, largestBatch: 0 };

  /** Splits a batch so no transaction carries more than `maxEvents` events (a larger request goes alone). */
  const byEventCount = (batch: ReadonlyArray<AppendRequest>): AppendRequest[][] => {
    const chunks: AppendRequest[][] = [];
    let chunk: AppendRequest[] = [];
    let events = 0;
    for (const request of batch) {
      if (chunk.length > 0 && events + request.events.length > maxEvents) {
        chunks.push(chunk);
        chunk = [];
        events = 0;
      }
      chunk.push(request);
      events += request.events.length;
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  };

  /** Runs one transaction; resolves to the per-request results, or to the error that ended it. */
  const transact = async (
    batch: ReadonlyArray<AppendRequest>,
  ): Promise<E.Either<unknown, ReadonlyArray<E.Either<AppendError, AppendResult>>>> => {
    counters.transactions++;
    counters.largestBatch = Math.max(counters.largestBatch, batch.length);
    let client: PoolClient;
    try {
      client = await deps.pool.connect();
    } catch (cause) {
      return E.left(cause);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const results = await appendWithin(client, deps.schema, batch);
      await client.query('COMMIT');
      return E.right(results);
    } catch (cause) {
      // After a lost connection ROLLBACK fails too; the client is then destroyed instead of reused.
      await client.query('ROLLBACK').catch((error: unknown) => {
        broken = error instanceof Error ? error : new Error('rollback failed');
      });
      return E.left(cause);
    } finally {
      client.release(broken ?? false);
    }
  };

  const failure = (request: AppendRequest, cause: unknown, alone: boolean): AppendError =>
    alone && classifyFailure(cause) === 'constraint'
      ? versionConflict(request.streamName, request.expected, undefined, cause)
      : storeUnavailable('appendToStream', cause);

  const flush = async (
    batch: ReadonlyArray<AppendRequest>,
  ): Promise<ReadonlyArray<E.Either<AppendError, AppendResult>>> => {
    const outcome = await transact(batch);
    if (E.isRight(outcome)) {
      if (outcome.right.some(E.isRight)) deps.onCommitted();
      return outcome.right;
    }
    // An error caused by one request's data (a unique violation from a writer that bypassed the lock, a NUL in
    // a stream name) would otherwise fail its neighbours too: retry each alone so only the culprit fails.
    if (batch.length > 1 && classifyFailure(outcome.left) !== 'unavailable') {
      counters.isolatedBatches++;
      const results: E.Either<AppendError, AppendResult>[] = [];
      for (const request of batch) results.push(...(await flush([request])));
      return results;
    }
    return batch.map((request) => E.left(failure(request, outcome.left, batch.length === 1)));
  };

  const queue = createBatchQueue<AppendRequest, E.Either<AppendError, AppendResult>>(
    async (batch) => {
      const results: E.Either<AppendError, AppendResult>[] = [];
      for (const chunk of byEventCount(batch)) results.push(...(await flush(chunk)));
      counters.requests += batch.length;
      batch.forEach((request, i) => {
        if (results[i] !== undefined && E.isRight(results[i])) counters.events += request.events.length;
      });
      return results;
    },
    { maxBatch: maxRequests },
  );

  return {
    append: (request) =>
      // The flush never throws (failures are results), so a rejection here would be a bug in this module.
      queue.enqueue(request),
    drain: () => queue.drain(),
    stats: () => ({ ...counters }),
  };
};
