import type { PoolClient } from 'pg';
import { Pool } from 'pg';

import { StoreFailure, storeUnavailable } from '@accrue/domain';
import type { ReadModelStore, ReadModelTransaction } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { schemaNameOrThrow } from '../schemaName.js';
import { activateWithin } from './activateWithin.js';
import { lockReadModelAppliesWithin } from './applyLock.js';
import { readCheckpointWithin, readStatusesWithin } from './checkpointsWithin.js';
import { toNumberedPlaceholders } from './placeholders.js';
import { prepareReadModelWithin } from './prepareWithin.js';
import { readModelTransactionWithin } from './readModelTransactionWithin.js';
import { decodeQueryRow, readModelTypes, toParameter } from './rowCodec.js';
import { ensureReadModelStateWithin } from './stateTables.js';
import { qualifiedTable } from './tableNames.js';

export interface PostgresReadModelStoreOptions {
  /** e.g. `postgres://user@host:5432/db`; may be the event store's database. */
  readonly connectionString: string;
  /** Schema holding the read models and their bookkeeping (default `accrue_read`); may be the events' schema. */
  readonly schema?: string;
  /** Connections for `query`, `statuses` and `checkpoint` (default 4). Transactions use one more, their own. */
  readonly poolSize?: number;
  /** Shown in `pg_stat_activity` (default `accrue-read-models`). */
  readonly applicationName?: string;
  /** Errors with no caller to return them to (an idle connection dropped by the server); default: ignore. */
  readonly onError?: (error: unknown) => void;
}

/** The PostgreSQL read-model store, plus the schema it lives in (for `readModelTransactionWithin`). */
export interface PostgresReadModelStore extends ReadModelStore {
  readonly dialect: 'postgres';
  readonly schema: SchemaName;
}

/**
 * Opens the read models in PostgreSQL: creates the schema and its bookkeeping tables (advisory-locked, so
 * concurrent starts are safe), then serves the `ReadModelStore` port.
 *
 * - Transactions, `prepare` and `activate` run one at a time, in call order, on one dedicated connection:
 *   rows read, changes applied and the checkpoint commit together or not at all. Each transaction takes the
 *   read-model apply lock (`lockReadModelAppliesWithin`), so it never interleaves with an embedder's inline
 *   update of the same schema, in this process or another.
 * - `query`, `statuses` and `checkpoint` run on a separate pool, so readers see committed batches only and
 *   never wait for a batch (READ COMMITTED: each statement sees what had committed when it started).
 * - Tables are named `rm_<projection>__<table>_g<generation>` and `tableName` returns them schema-qualified.
 *   Columns: text and json → `text` (JSON kept as the exact text written), integer → `bigint`, boolean →
 *   `boolean`. Integers read back as `bigint` through type parsers set on these connections only (see
 *   `readModelTypes`); booleans from `query` are booleans (SQLite gives `0n`/`1n` there).
 * - `query` takes `?` placeholders (see `toNumberedPlaceholders`).
 * - The transaction-scoped operations are also exported on their own (`readModelTransactionWithin`,
 *   `prepareReadModelWithin`, `activateWithin`) so an embedder can update read models in the transaction that
 *   appends their events.
 *
 * Rejects with a `StoreFailure` carrying `StoreUnavailable` when the database cannot be reached or the schema
 * cannot be created; throws a `TypeError` at once for an invalid schema name. Later operations reject with the
 * driver's error (the port's callers, like the runner, retry).
 */
export const createPostgresReadModelStore = async (
  options: PostgresReadModelStoreOptions,
): Promise<PostgresReadModelStore> => {
  const schema = schemaNameOrThrow(options.schema ?? 'accrue_read');
  const onError = options.onError ?? ((): void => undefined);
  const connection = {
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'accrue-read-models',
    types: readModelTypes,
  };
  const readers = new Pool({ ...connection, max: options.poolSize ?? 4 });
  // The writer: a pool of one, so a connection the server drops is replaced rather than poisoning the store.
  const writer = new Pool({ ...connection, max: 1 });
  // Without a listener, an idle client dropped by the server would crash the process; the pool replaces it.
  readers.on('error', onError);
  writer.on('error', onError);
  const endPools = (): Promise<unknown> => Promise.all([readers.end(), writer.end()]);

  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <A>(work: () => Promise<A>): Promise<A> => {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  };

  /** BEGIN … COMMIT on the writer; a client whose rollback failed may be broken, so it is destroyed. */
  const inTransaction = async <A>(work: (client: PoolClient) => Promise<A>): Promise<A> => {
    const client = await writer.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      // BEGIN itself failing leaves the connection in doubt too.
      if (client.getTransactionStatus() !== 'I') broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  };

  try {
    await inTransaction((client) => ensureReadModelStateWithin(client, schema)).catch(
      async (error: unknown) => {
        // Another process creating the same schema without our lock (the event store's migration, when both
        // share a schema) can win the race on the catalog; the second attempt finds it created.
        if (!isDuplicateObject(error)) throw error;
        await inTransaction((client) => ensureReadModelStateWithin(client, schema));
      },
    );
  } catch (cause) {
    await endPools().catch(() => undefined);
    throw new StoreFailure(storeUnavailable('createReadModelStore', cause));
  }

  let closing: Promise<void> | undefined;
  const whenOpen = <A>(operation: string, run: () => Promise<A>): Promise<A> =>
    closing === undefined ? run() : Promise.reject(new Error(`read-model store is closed (${operation})`));

  return {
    dialect: 'postgres',
    schema,
    prepare: (projection, generation) =>
      whenOpen('prepare', () =>
        serialised(() =>
          inTransaction((client) => prepareReadModelWithin(client, schema, projection, generation)),
        ),
      ),
    statuses: () => whenOpen('statuses', () => readStatusesWithin(readers, schema)),
    checkpoint: (name, generation) =>
      whenOpen('checkpoint', () => readCheckpointWithin(readers, schema, name, generation)),
    transaction: (work) =>
      whenOpen('transaction', () =>
        serialised(() =>
          inTransaction(async (client) => {
            // Serialised with embedders' inline updates in their own transactions (see the lock).
            await lockReadModelAppliesWithin(client, schema);
            const within = readModelTransactionWithin(client, { schema });
            // Work that kept the handle past its transaction would write outside any batch: refuse it.
            let active = true;
            const guarded = <A>(run: () => Promise<A>): Promise<A> =>
              active ? run() : Promise.reject(new Error('read-model transaction used after it ended'));
            const tx: ReadModelTransaction = {
              get: (...args) => guarded(() => within.get(...args)),
              apply: (...args) => guarded(() => within.apply(...args)),
              setCheckpoint: (...args) => guarded(() => within.setCheckpoint(...args)),
            };
            try {
              return await work(tx);
            } finally {
              active = false;
            }
          }),
        ),
      ),
    activate: (projection, generation) =>
      whenOpen('activate', () =>
        serialised(() => inTransaction((client) => activateWithin(client, schema, projection, generation))),
      ),
    tableName: (projectionName, table, generation) =>
      qualifiedTable(schema, projectionName, table, generation),
    query: (sql, params = []) =>
      whenOpen('query', async () => {
        const result = await readers.query<Record<string, unknown>>(
          toNumberedPlaceholders(sql, params.length),
          params.map(toParameter),
        );
        return result.rows.map(decodeQueryRow);
      }),
    close: () => {
      closing ??= (async () => {
        await queue;
        await endPools();
      })();
      return closing;
    },
  };
};

const isDuplicateObject = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  (error.code === '23505' || error.code === '42P06' || error.code === '42P07');
