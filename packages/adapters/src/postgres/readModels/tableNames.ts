import type { Projection, TableSpec } from '@accrue/projections';

import type { SchemaName } from '../schemaName.js';

import { identifier, readModelTableName } from '../../shared/readModelTableName.js';

export { identifier, readModelTableName };

/** `"schema"."name"`: safe to splice, since both parts are validated identifiers. */
export const qualifiedName = (schema: SchemaName, name: string): string =>
  `"${schema}"."${identifier(name)}"`;

/** The schema-qualified physical table of a projection's logical table in one generation. */
export const qualifiedTable = (
  schema: SchemaName,
  projectionName: string,
  table: string,
  generation: number,
): string => qualifiedName(schema, readModelTableName(projectionName, table, generation));

/** The table a projection declares under `table`; asking for an undeclared one is a programmer bug. */
export const tableSpecOf = (projection: Projection, table: string): TableSpec => {
  const spec = projection.tables.find((candidate) => candidate.name === table);
  if (spec === undefined) throw new Error(`projection ${projection.name} has no table ${table}`);
  return spec;
};

/** The bookkeeping tables of the read-model schema (not projection tables). */
export type StateTable = 'projection_state' | 'projection_checkpoints' | 'projection_tables';

export const stateTable = (schema: SchemaName, table: StateTable): string => `"${schema}"."${table}"`;
