import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ClientBase } from 'pg';

import type { ColumnSpec, Projection } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { lockReadModelDdlWithin } from './stateTables.js';
import { identifier, qualifiedName, readModelTableName, stateTable } from './tableNames.js';

const SQL_TYPES: Readonly<Record<ColumnSpec['type'], string>> = {
  text: 'text',
  integer: 'bigint',
  boolean: 'boolean',
  // Text, not jsonb: the exact string the projection wrote is what readers get back, as in SQLite.
  json: 'text',
};

const Registered = t.strict({ projection: t.string, logical_name: t.string });

/**
 * Creates a projection generation's tables and indexes if missing, inside the caller's transaction, and
 * records them in `projection_tables`. Idempotent. Throws if a physical name is already registered to another
 * projection's table (two names that snake-case alike), rather than letting them share rows.
 */
export const prepareReadModelWithin = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
): Promise<void> => {
  await lockReadModelDdlWithin(client, schema);
  for (const spec of projection.tables) {
    const name = readModelTableName(projection.name, spec.name, generation);
    const registered = await client.query(
      `INSERT INTO ${stateTable(schema, 'projection_tables')} (table_name, projection, logical_name, generation)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (table_name) DO UPDATE SET table_name = EXCLUDED.table_name
       RETURNING projection, logical_name`,
      [name, projection.name, spec.name, generation],
    );
    const owner = Registered.decode(registered.rows[0]);
    if (
      E.isLeft(owner) ||
      owner.right.projection !== projection.name ||
      owner.right.logical_name !== spec.name
    )
      throw new Error(`read-model table ${name} already belongs to another projection table`);
    const table = qualifiedName(schema, name);
    const columns = spec.columns.map(
      (c) => `${identifier(c.name)} ${SQL_TYPES[c.type]}${c.nullable === true ? '' : ' NOT NULL'}`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')}, PRIMARY KEY (${spec.primaryKey
        .map(identifier)
        .join(', ')}))`,
    );
    for (const [i, index] of (spec.indexes ?? []).entries()) {
      // Index names are per schema and share the 63-byte limit: `identifier` refuses a truncated one.
      await client.query(
        `CREATE INDEX IF NOT EXISTS "${identifier(`${name}_i${String(i)}`)}" ON ${table} (${index
          .map(identifier)
          .join(', ')})`,
      );
    }
  }
};
