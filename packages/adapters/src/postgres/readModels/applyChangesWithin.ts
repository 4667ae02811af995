import type { ClientBase } from 'pg';

import type { Change, Delete, Projection, Upsert } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { toParameter } from './rowCodec.js';
import { identifier, qualifiedTable, tableSpecOf } from './tableNames.js';

const upsert = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
  change: Upsert,
): Promise<void> => {
  const spec = tableSpecOf(projection, change.table);
  const columns = spec.columns.map((c) => identifier(c.name));
  const keys = new Set(spec.primaryKey.map(identifier));
  const others = columns.filter((c) => !keys.has(c));
  // Every non-key column is overwritten (a column missing from the row becomes null), so an upsert replaces
  // the whole row as SQLite's INSERT OR REPLACE does; a table of key columns only has nothing to update.
  const onConflict =
    others.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${others.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
  await client.query(
    `INSERT INTO ${qualifiedTable(schema, projection.name, change.table, generation)} (${columns.join(', ')})
     VALUES (${columns.map((_, i) => `$${String(i + 1)}`).join(', ')})
     ON CONFLICT (${[...keys].join(', ')}) ${onConflict}`,
    spec.columns.map((c) => toParameter(change.row[c.name])),
  );
};

const remove = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
  change: Delete,
): Promise<void> => {
  tableSpecOf(projection, change.table);
  const keyColumns = Object.keys(change.key);
  await client.query(
    `DELETE FROM ${qualifiedTable(schema, projection.name, change.table, generation)}
     WHERE ${keyColumns.map((c, i) => `${identifier(c)} = $${String(i + 1)}`).join(' AND ')}`,
    keyColumns.map((c) => toParameter(change.key[c])),
  );
};

/**
 * Applies a projection's changes, in order, to one generation's tables inside the caller's transaction.
 * Nothing here begins or commits: the caller commits them with the checkpoint (and, for an embedder, with the
 * events that caused them).
 */
export const applyChangesWithin = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
  changes: ReadonlyArray<Change>,
): Promise<void> => {
  for (const change of changes) {
    if (change.op === 'upsert') await upsert(client, schema, projection, generation, change);
    else await remove(client, schema, projection, generation, change);
  }
};
