import type { ClientBase } from 'pg';

import { advisoryLockKey } from '../advisoryLocks.js';
import type { SchemaName } from '../schemaName.js';
import { stateTable } from './tableNames.js';

// Its own purpose key beside the event store's (`migrate`, `append`), so read-model DDL never waits on appends.
const READ_MODEL_DDL = 0x41435203;

/**
 * Takes the transaction-scoped lock that serialises read-model DDL in `schema` (creating the state tables,
 * preparing and dropping projection tables): concurrent `CREATE TABLE IF NOT EXISTS` of one table can otherwise
 * fail on the catalog's unique index. `client` must be inside a transaction; the lock ends with it.
 */
export const lockReadModelDdlWithin = async (client: ClientBase, schema: SchemaName): Promise<void> => {
  // The second key is the event store's hash of the schema name; only the purpose differs.
  const [, schemaKey] = advisoryLockKey('migrate', schema);
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [READ_MODEL_DDL, schemaKey]);
};

/**
 * Creates `schema` and its bookkeeping tables if missing, inside the caller's transaction (idempotent; safe
 * when processes start at once). The tables never clash with the event store's, so one schema can hold both.
 *
 * - `projection_state`: the live generation of each projection and the version it was built with.
 * - `projection_checkpoints`: the position each generation (live or being rebuilt) has applied.
 * - `projection_tables`: every physical table `prepare` created, so `activate` drops exactly the other
 *   generations' tables of one projection, never another projection's whose name merely starts alike.
 */
export const ensureReadModelStateWithin = async (client: ClientBase, schema: SchemaName): Promise<void> => {
  await lockReadModelDdlWithin(client, schema);
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${stateTable(schema, 'projection_state')} (
      name text PRIMARY KEY,
      version bigint NOT NULL,
      generation bigint NOT NULL,
      activated_at timestamptz NOT NULL DEFAULT now()
    )`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${stateTable(schema, 'projection_checkpoints')} (
      name text NOT NULL,
      generation bigint NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (name, generation)
    )`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS ${stateTable(schema, 'projection_tables')} (
      table_name text PRIMARY KEY,
      projection text NOT NULL,
      logical_name text NOT NULL,
      generation bigint NOT NULL
    )`);
};
