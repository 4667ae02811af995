import type { SchemaName } from '../schemaName.js';

/**
 * One schema change. `version` is the number in the file name and the key in `schema_migrations`; a
 * migration, once released, is never edited (add the next number instead). `up` returns the SQL for a schema
 * and runs inside the migration transaction, so it must be transactional DDL (no `CREATE INDEX CONCURRENTLY`).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (schema: SchemaName) => string;
}
