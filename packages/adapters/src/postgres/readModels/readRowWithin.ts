import type { ClientBase } from 'pg';

import type { Projection, Row } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';
import { decodeTableRow, readModelTypes, toParameter } from './rowCodec.js';
import { identifier, qualifiedTable, tableSpecOf } from './tableNames.js';

/**
 * Reads one row of a projection table by the given columns (normally its primary key), inside the caller's
 * transaction so it sees the changes made earlier in it. Values decode per the table's spec, whatever type
 * parsers `client` was configured with.
 */
export const readRowWithin = async (
  client: ClientBase,
  schema: SchemaName,
  projection: Projection,
  generation: number,
  table: string,
  key: Row,
): Promise<Row | undefined> => {
  const spec = tableSpecOf(projection, table);
  const keyColumns = Object.keys(key);
  // The spec's columns rather than `*`: the row has exactly the declared shape, whatever else the table has.
  const result = await client.query<Record<string, unknown>>({
    text: `SELECT ${spec.columns.map((c) => identifier(c.name)).join(', ')}
           FROM ${qualifiedTable(schema, projection.name, table, generation)}
           WHERE ${keyColumns.map((c, i) => `${identifier(c)} = $${String(i + 1)}`).join(' AND ')}
           LIMIT 1`,
    values: keyColumns.map((c) => toParameter(key[c])),
    types: readModelTypes,
  });
  const row = result.rows[0];
  return row === undefined ? undefined : decodeTableRow(spec, row);
};
