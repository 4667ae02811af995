import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';
import type { ClientBase } from 'pg';

import type { StoreUnavailable } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import { advisoryLockKey } from './advisoryLocks.js';
import type { Migration } from './migrations/index.js';
import { migrations as allMigrations } from './migrations/index.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

const AppliedRow = t.strict({ version: t.Int });

/**
 * Brings `schema` up to date: creates it and `schema_migrations` if needed and applies the missing migrations,
 * all in one transaction on `client` (which must not be inside a transaction). A transaction-scoped advisory
 * lock per schema makes processes that start at once take turns: the second one finds everything applied.
 * A schema already migrated by a newer release (a version this code does not know) is refused rather than
 * written to with an older idea of the tables. Resolves to the versions applied now.
 */
export const migrateWithin = (
  client: ClientBase,
  schema: SchemaName,
  migrations: ReadonlyArray<Migration> = allMigrations,
): TE.TaskEither<StoreUnavailable, ReadonlyArray<number>> =>
  TE.tryCatch(
    async () => {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...advisoryLockKey('migrate', schema)]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${qualified(schema, 'schema_migrations')} (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
           )`,
        );
        const result = await client.query(`SELECT version FROM ${qualified(schema, 'schema_migrations')}`);
        const applied = new Set<number>();
        for (const row of result.rows) {
          const decoded = AppliedRow.decode(row);
          if (E.isLeft(decoded)) throw new Error('schema_migrations holds a row that is not a version');
          applied.add(decoded.right.version);
        }
        const known = new Set(migrations.map((m) => m.version));
        const unknown = [...applied].filter((version) => !known.has(version));
        if (unknown.length > 0)
          throw new Error(
            `schema "${schema}" has migrations ${unknown.join(', ')} that this release does not know: refusing to use it`,
          );
        const missing = migrations.filter((m) => !applied.has(m.version));
        for (const migration of missing) {
          await client.query(migration.up(schema));
          await client.query(
            `INSERT INTO ${qualified(schema, 'schema_migrations')} (version, name) VALUES ($1, $2)`,
            [migration.version, migration.name],
          );
        }
        await client.query('COMMIT');
        return missing.map((m) => m.version);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    (cause) => storeUnavailable('migrate', cause),
  );
