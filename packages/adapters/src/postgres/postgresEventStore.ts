import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { PoolClient } from 'pg';
import { Pool } from 'pg';

import type { EventStore, FollowOptions, RecordedEvent, StoreUnavailable } from '@accrue/domain';
import { StoreFailure, storeUnavailable } from '@accrue/domain';

import { followByReading } from '../shared/follow.js';
import { toAppendRequest } from './appendRequest.js';
import { createCommitListener, LatchedCommitSignal } from './commitListener.js';
import type { GroupCommitLimits, GroupCommitStats } from './groupCommit.js';
import { createGroupCommitter } from './groupCommit.js';
import { migrateWithin } from './migrate.js';
import { readAllWithin } from './readAllWithin.js';
import type { SchemaName } from './schemaName.js';
import { schemaNameOrThrow } from './schemaName.js';
import { createStreamReader } from './streamReader.js';

export interface PostgresEventStoreOptions extends GroupCommitLimits {
  /** e.g. `postgres://user@host:5432/db`. */
  readonly connectionString: string;
  /** Schema holding the tables (default `public`); one per tenant or test run isolates them completely. */
  readonly schema?: string;
  /**
   * Connections for reads (default 8). Appends use one more, of their own, so a group commit never waits for
   * a reader's connection; the follow listener uses one more again, once something follows.
   */
  readonly poolSize?: number;
  /** How often a follower re-reads when no wake-up arrives (default 500 ms); `NOTIFY` normally comes first. */
  readonly pollIntervalMs?: number;
  /** Shown in `pg_stat_activity` (default `accrue`). */
  readonly applicationName?: string;
  /**
   * Errors with no caller to return them to: an idle pooled connection dropped by the server, the listener's
   * connection failing. The store recovers from these by itself; default: ignore.
   */
  readonly onError?: (error: unknown) => void;
}

/** The PostgreSQL event store, plus what operators and tests look at. */
export interface PostgresEventStore extends EventStore {
  readonly schema: SchemaName;
  /** Group-commit counters since start. */
  stats(): GroupCommitStats;
}

/**
 * Opens the PostgreSQL event store: migrates `schema` (advisory-locked, so concurrent starts are safe), then
 * serves the `EventStore` port from a `pg.Pool`.
 *
 * - Appends are group-committed: concurrent calls share one transaction, each getting its own result. A batch
 *   is one statement (the `append_events` function), sent on a connection reads never hold.
 * - Reads of streams requested together are coalesced into one statement (see `createStreamReader`).
 * - Global positions come from an identity column, allocated and committed in the same order under a
 *   per-schema advisory lock, so they only grow in commit order (never filled in behind a reader). They are
 *   contiguous except after a rolled-back transaction, which burns its identity values.
 * - Optimistic concurrency is checked under that lock and backed by unique constraints on
 *   (stream, version) and on the event id; either failing is a `VersionConflict`.
 * - Followers wake on `LISTEN/NOTIFY` (commits from any process) and poll as a fallback.
 *
 * Rejects with a `StoreFailure` carrying `StoreUnavailable` when the database cannot be reached or migrated;
 * throws a `TypeError` at once for an invalid schema name.
 */
export const createPostgresEventStore = async (
  options: PostgresEventStoreOptions,
): Promise<PostgresEventStore> => {
  const schema = schemaNameOrThrow(options.schema ?? 'public');
  const onError = options.onError ?? ((): void => undefined);
  const connection = {
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'accrue',
  };
  const pool = new Pool({ ...connection, max: options.poolSize ?? 8 });
  // The group committer's own connection (see createGroupCommitter); a pool of one so a lost one is replaced.
  const writerPool = new Pool({ ...connection, max: 1 });
  // Without a listener, an idle client dropped by the server would crash the process; the pool replaces it.
  pool.on('error', onError);
  writerPool.on('error', onError);
  const endPools = (): Promise<unknown> => Promise.all([pool.end(), writerPool.end()]);

  const fail = async (failure: StoreUnavailable): Promise<never> => {
    await endPools().catch(() => undefined);
    throw new StoreFailure(failure);
  };
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (cause) {
    return fail(storeUnavailable('connect', cause));
  }
  const migrated = await migrateWithin(client, schema)();
  // A client whose migration failed may be mid-transaction or disconnected: destroy it rather than reuse it.
  client.release(E.isLeft(migrated));
  if (E.isLeft(migrated)) return fail(migrated.left);

  const followers = new Set<LatchedCommitSignal>();
  const wakeFollowers = (): void => {
    for (const follower of followers) follower.notify();
  };
  const committer = createGroupCommitter({
    pool: writerPool,
    schema,
    limits: {
      ...(options.maxBatchRequests === undefined ? {} : { maxBatchRequests: options.maxBatchRequests }),
      ...(options.maxBatchEvents === undefined ? {} : { maxBatchEvents: options.maxBatchEvents }),
    },
    onCommitted: wakeFollowers,
  });
  const reader = createStreamReader({ pool, schema });
  const listener = createCommitListener({ connection, schema, onCommit: wakeFollowers, onError });
  const stopFollowing = new AbortController();
  let closing: Promise<void> | undefined;
  const closedError = (operation: string) => storeUnavailable(operation, new Error('the store is closed'));

  const readAll: EventStore['readAll'] = (readOptions) =>
    closing === undefined ? readAllWithin(pool, schema, readOptions) : TE.left(closedError('readAll'));

  async function* follow(followOptions: FollowOptions): AsyncGenerator<RecordedEvent, void, undefined> {
    if (closing !== undefined) return;
    const signal =
      followOptions.signal === undefined
        ? stopFollowing.signal
        : AbortSignal.any([stopFollowing.signal, followOptions.signal]);
    const wake = new LatchedCommitSignal();
    followers.add(wake);
    try {
      await listener.ensure();
      yield* followByReading(readAll, wake, {
        ...followOptions,
        signal,
        pollIntervalMs: options.pollIntervalMs ?? 500,
      });
    } catch (error) {
      // close() stops followers first; a read it cut short is the end of the iteration, not a failure.
      if (signal.aborted) return;
      throw error;
    } finally {
      followers.delete(wake);
    }
  }

  return {
    schema,
    stats: () => committer.stats(),
    readStream: (streamName, readOptions) =>
      closing === undefined ? reader.read(streamName, readOptions) : TE.left(closedError('readStream')),
    appendToStream: (streamName, expected, events) => () => {
      if (closing !== undefined) return Promise.resolve(E.left(closedError('appendToStream')));
      const request = toAppendRequest(streamName, expected, events);
      return E.isLeft(request) ? Promise.resolve(request) : committer.append(request.right);
    },
    readAll,
    follow,
    close: () => {
      closing ??= (async () => {
        // Followers first: their waits end on the abort, and a read cut short by pool.end() is not reported.
        stopFollowing.abort();
        await committer.drain();
        await listener.close();
        await endPools();
      })();
      return closing;
    },
  };
};
