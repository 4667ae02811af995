import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ClientBase } from 'pg';

import type { Projection } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { lockReadModelDdlWithin } from './stateTables.js';
import { qualifiedName, stateTable } from './tableNames.js';

const TableRow = t.strict({ table_name: t.string });

/**
 * Makes `generation` the live one of `projection` (recording its version), then drops the tables and
 * checkpoints of its other generations, all inside the caller's transaction: readers see the old generation
 * or the new one, never a mix or a missing table. Only tables `prepare` registered to this very projection
 * are dropped.
 */
export const activateWithin = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
): Promise<void> => {
  await lockReadModelDdlWithin(client, schema);
  await client.query(
    `INSERT INTO ${stateTable(schema, 'projection_state')} (name, version, generation, activated_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (name) DO UPDATE
       SET version = EXCLUDED.version, generation = EXCLUDED.generation, activated_at = EXCLUDED.activated_at`,
    [projection.name, projection.version, generation],
  );
  const old = await client.query(
    `DELETE FROM ${stateTable(schema, 'projection_tables')} WHERE projection = $1 AND generation <> $2
     RETURNING table_name`,
    [projection.name, generation],
  );
  for (const row of old.rows) {
    const decoded = TableRow.decode(row);
    if (E.isLeft(decoded)) throw new Error('projection_tables holds a row of an unexpected shape');
    await client.query(`DROP TABLE IF EXISTS ${qualifiedName(schema, decoded.right.table_name)}`);
  }
  await client.query(
    `DELETE FROM ${stateTable(schema, 'projection_checkpoints')} WHERE name = $1 AND generation <> $2`,
    [projection.name, generation],
  );
};
