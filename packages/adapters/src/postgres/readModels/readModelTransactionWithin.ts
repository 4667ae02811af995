import type { ClientBase } from 'pg';

import type { ReadModelTransaction } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { schemaNameOrThrow } from '../schemaName.js';
import { applyChangesWithin } from './applyChangesWithin.js';
import { setCheckpointWithin } from './checkpointsWithin.js';
import { readRowWithin } from './readRowWithin.js';

export interface ReadModelTransactionWithinOptions {
  /** The read-model schema (default `accrue_read`), as given to `createPostgresReadModelStore`. */
  readonly schema?: string;
}

/**
 * The read-model side of a transaction the caller opened on `client`: rows read, changes applied and
 * checkpoints set there commit or roll back with the caller's own work, e.g. events appended with
 * `appendInTransaction` on the same client, so a read model can be updated in the very transaction that
 * records its events. Nothing here begins, commits or rolls back; the schema must exist
 * (`createPostgresReadModelStore` creates it) and the generation must have been prepared.
 */
export const readModelTransactionWithin = (
  client: ClientBase,
  options: ReadModelTransactionWithinOptions = {},
): ReadModelTransaction => {
  const schema: SchemaName = schemaNameOrThrow(options.schema ?? 'accrue_read');
  return {
    get: (projection, generation, table, key) =>
      readRowWithin(client, schema, projection, generation, table, key),
    apply: (projection, generation, changes) =>
      applyChangesWithin(client, schema, projection, generation, changes),
    setCheckpoint: (projection, generation, position) =>
      setCheckpointWithin(client, schema, projection.name, generation, position),
  };
};
