/**
 * The read side's storage model, independent of SQLite or PostgreSQL: projections describe their tables and
 * return changes; a `ReadModelStore` (in `@accrue/adapters`) creates the tables and applies the changes in the
 * same transaction as the projection's checkpoint.
 *
 * Money is always `bigint` minor units in rows; `number` is only for small integers (versions, counters, days).
 */
export type SqlValue = string | bigint | number | boolean | null;

export type Row = { readonly [column: string]: SqlValue };

export type ColumnType = 'text' | 'integer' | 'boolean' | 'json';

export interface ColumnSpec {
  readonly name: string;
  /** `integer` is 64-bit (SQLite INTEGER, PostgreSQL BIGINT) and reads back as `bigint`. */
  readonly type: ColumnType;
  readonly nullable?: boolean;
}

export interface TableSpec {
  /** Logical name; the store prefixes it with the projection's name and generation. */
  readonly name: string;
  readonly columns: ReadonlyArray<ColumnSpec>;
  readonly primaryKey: ReadonlyArray<string>;
  readonly indexes?: ReadonlyArray<ReadonlyArray<string>>;
}

/** Insert, or replace the row with the same primary key. */
export interface Upsert {
  readonly op: 'upsert';
  readonly table: string;
  readonly row: Row;
}

export interface Delete {
  readonly op: 'delete';
  readonly table: string;
  /** The primary-key columns of the row. */
  readonly key: Row;
}

export type Change = Upsert | Delete;

export interface RowRequest {
  readonly table: string;
  readonly key: Row;
}
