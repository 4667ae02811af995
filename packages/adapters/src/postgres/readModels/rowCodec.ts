import { TypeOverrides, types as defaultTypes } from 'pg';

import type { ColumnSpec, Row, SqlValue, TableSpec } from '@accrue/projections';

const keepText = (text: string): string => text;

/**
 * How read-model values come back from PostgreSQL, set on each pool and each query rather than on `pg.types`,
 * which would change every other `pg` user in the process (the event store reads `int8` as strings).
 *
 * - Integers (`int2`, `int4`, `int8`) as `bigint`, like SQLite's safe integers: money never passes a float.
 * - `numeric` as `bigint` when whole (`SUM` of a `BIGINT` column is `numeric` here, an integer in SQLite),
 *   otherwise as its exact decimal text.
 * - JSON, dates and times as their text, as SQLite stores them: nothing is re-serialised or shifted by a zone.
 */
export const readModelTypes: TypeOverrides = (() => {
  const overrides = new TypeOverrides(defaultTypes);
  for (const oid of [20, 21, 23]) overrides.setTypeParser(oid, 'text', (text: string) => BigInt(text));
  overrides.setTypeParser(1700, 'text', (text: string) => (/^-?\d+$/.test(text) ? BigInt(text) : text));
  // json, jsonb, date, time, timestamp, timestamptz, timetz, interval
  for (const oid of [114, 3802, 1082, 1083, 1114, 1184, 1266, 1186])
    overrides.setTypeParser(oid, 'text', keepText);
  return overrides;
})();

/** A value as a `pg` parameter; `bigint` goes as decimal text so no precision is lost on the way. */
export const toParameter = (value: SqlValue | undefined): string | number | boolean | null =>
  value === undefined ? null : typeof value === 'bigint' ? value.toString() : value;

const matches = (type: ColumnSpec['type'], value: unknown): value is SqlValue => {
  switch (type) {
    case 'text':
    case 'json':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'bigint';
    case 'boolean':
      return typeof value === 'boolean';
  }
};

/**
 * Decodes a row selected from a projection table (with `readModelTypes`) against its spec: every declared
 * column, `null` only where the column is nullable. A mismatch means the table is not what the projection
 * declares (edited by hand, or a spec changed without a version bump), so it throws rather than guessing.
 */
export const decodeTableRow = (spec: TableSpec, row: Record<string, unknown>): Row => {
  const decoded: Record<string, SqlValue> = {};
  for (const column of spec.columns) {
    const value = row[column.name];
    if (value === null && column.nullable === true) decoded[column.name] = null;
    else if (matches(column.type, value)) decoded[column.name] = value;
    else
      throw new Error(
        `read-model table ${spec.name}: column ${column.name} holds ${typeof value}, not ${column.type}`,
      );
  }
  return decoded;
};

const isSqlValue = (value: unknown): value is SqlValue =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'bigint' ||
  typeof value === 'number' ||
  typeof value === 'boolean';

/** Decodes a row of an ad hoc query; a value of a type the port cannot carry (an array…) is refused. */
export const decodeQueryRow = (row: Record<string, unknown>): Row => {
  const decoded: Record<string, SqlValue> = {};
  for (const [column, value] of Object.entries(row)) {
    if (!isSqlValue(value))
      throw new Error(`read-model query: column ${column} is not text, integer, boolean or number`);
    decoded[column] = value;
  }
  return decoded;
};
