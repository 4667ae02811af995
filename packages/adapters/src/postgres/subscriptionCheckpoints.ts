import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { ClientBase } from 'pg';
import { Pool } from 'pg';

import type { StoreUnavailable } from '@accrue/domain';
import { StoreFailure, storeUnavailable } from '@accrue/domain';
import type { SubscriptionCheckpoints } from '@accrue/projections';

import { advisoryLockKey } from './advisoryLocks.js';
import { BigIntFromString } from './codecs.js';
import type { Queryable } from './queryable.js';
import type { SchemaName } from './schemaName.js';
import { schemaNameOrThrow } from './schemaName.js';

// Its own purpose key beside `migrate`, `append` and the read models' DDL key.
const SUBSCRIPTIONS_DDL = 0x41435205;

const table = (schema: SchemaName): string => `"${schema}"."accrue_subscriptions"`;

/**
 * Creates `accrue_subscriptions` in `schema` if missing, inside the caller's transaction, under a lock so
 * concurrent starts do not race on the catalog. Outside the event store's numbered migrations: only embedders'
 * subscriptions use it.
 */
export const ensureSubscriptionCheckpointsWithin = async (
  client: ClientBase,
  schema: SchemaName,
): Promise<void> => {
  const [, schemaKey] = advisoryLockKey('migrate', schema);
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [SUBSCRIPTIONS_DDL, schemaKey]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${table(schema)} (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`);
};

const PositionRow = t.strict({ position: BigIntFromString });

/** The saved position of subscription `name` (undefined if never saved), on any connection or transaction. */
export const loadSubscriptionCheckpointWithin = async (
  client: Queryable,
  schema: SchemaName,
  name: string,
): Promise<bigint | undefined> => {
  const result = await client.query(
    `SELECT position::text AS position FROM ${table(schema)} WHERE name = $1`,
    [name],
  );
  const row: unknown = result.rows[0];
  if (row === undefined) return undefined;
  const decoded = PositionRow.decode(row);
  if (E.isLeft(decoded)) throw new Error('accrue_subscriptions holds a position that is not an integer');
  return decoded.right.position;
};

/**
 * Saves subscription `name`'s position on any connection; inside a caller's transaction it commits with it
 * (a handler that writes its effect and the checkpoint in one transaction gets exactly-once effects).
 */
export const saveSubscriptionCheckpointWithin = async (
  client: Queryable,
  schema: SchemaName,
  name: string,
  position: bigint,
): Promise<void> => {
  await client.query(
    `INSERT INTO ${table(schema)} (name, position) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
    [name, position.toString()],
  );
};

export interface PostgresSubscriptionCheckpointsOptions {
  readonly connectionString: string;
  /** The event store's schema (default `public`): checkpoints live beside the events they point into. */
  readonly schema?: string;
  /** Shown in `pg_stat_activity` (default `accrue-subscriptions`). */
  readonly applicationName?: string;
  /** Errors with no caller (an idle connection dropped by the server); default: ignore. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Subscription checkpoints in PostgreSQL, table `accrue_subscriptions` in the event store's schema, on a small
 * pool of their own (two connections). Each save is its own committed statement (`synchronous_commit` on), so
 * a saved position survives a crash. Rejects with a `StoreFailure` when the table cannot be created.
 */
export const createPostgresSubscriptionCheckpoints = async (
  options: PostgresSubscriptionCheckpointsOptions,
): Promise<SubscriptionCheckpoints> => {
  const schema = schemaNameOrThrow(options.schema ?? 'public');
  const pool = new Pool({
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'accrue-subscriptions',
    max: 2,
  });
  pool.on('error', options.onError ?? ((): void => undefined));
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await ensureSubscriptionCheckpointsWithin(client, schema);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      client.release(true);
      throw error;
    }
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new StoreFailure(storeUnavailable('createSubscriptionCheckpoints', cause));
  }
  let closing: Promise<void> | undefined;
  const attempt = <A>(operation: string, run: () => Promise<A>): TE.TaskEither<StoreUnavailable, A> =>
    closing === undefined
      ? TE.tryCatch(run, (cause) => storeUnavailable(operation, cause))
      : TE.left(storeUnavailable(operation, new Error('the checkpoint store is closed')));
  return {
    load: (name) =>
      attempt('subscription checkpoint load', () => loadSubscriptionCheckpointWithin(pool, schema, name)),
    save: (name, position) =>
      attempt('subscription checkpoint save', () =>
        saveSubscriptionCheckpointWithin(pool, schema, name, position),
      ),
    close: () => {
      closing ??= pool.end();
      return closing;
    },
  };
};
