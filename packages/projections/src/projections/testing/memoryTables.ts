/**
 * Test support: a projection's tables held in memory, applied the way the runner applies them (fetch the rows
 * `reads` names, `apply`, write the changes), with integers read back as `bigint` like the SQL stores.
 */
import type { ProjectedEvent } from '../../model/projectedEvent.js';
import type { Projection } from '../../model/projection.js';
import type { Change, Row, TableSpec } from '../../model/readModel.js';

export interface MemoryTables {
  /** Applies one event and returns the changes it made. */
  readonly apply: (event: ProjectedEvent) => ReadonlyArray<Change>;
  readonly applyAll: (events: ReadonlyArray<ProjectedEvent>) => void;
  /** A table's rows in primary-key order. */
  readonly rows: (table: string) => ReadonlyArray<Row>;
  /** Every table, for comparing whole states. */
  readonly snapshot: () => Readonly<Record<string, ReadonlyArray<Row>>>;
}

const keyText = (spec: TableSpec, row: Row): string =>
  JSON.stringify(spec.primaryKey.map((column) => String(row[column])));

const asStored = (spec: TableSpec, row: Row): Row =>
  Object.fromEntries(
    spec.columns.map((column) => {
      const value = row[column.name] ?? null;
      return [column.name, column.type === 'integer' && typeof value === 'number' ? BigInt(value) : value];
    }),
  );

export const createMemoryTables = (projection: Projection): MemoryTables => {
  const tables = new Map<string, Map<string, Row>>(projection.tables.map((spec) => [spec.name, new Map()]));
  const specOf = (name: string): TableSpec => {
    const spec = projection.tables.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new Error(`${projection.name} has no table ${name}`);
    return spec;
  };
  const tableOf = (name: string): Map<string, Row> => {
    const table = tables.get(name);
    if (table === undefined) throw new Error(`${projection.name} has no table ${name}`);
    return table;
  };
  const apply = (event: ProjectedEvent): ReadonlyArray<Change> => {
    const rows = (projection.reads?.(event) ?? []).map((request) =>
      tableOf(request.table).get(keyText(specOf(request.table), request.key)),
    );
    const changes = projection.apply(event, rows);
    for (const change of changes) {
      const spec = specOf(change.table);
      if (change.op === 'upsert') {
        const missing = spec.columns.filter(
          (c) => c.nullable !== true && (change.row[c.name] ?? null) === null,
        );
        if (missing.length > 0)
          throw new Error(`${change.table}: no value for ${missing.map((c) => c.name).join(', ')}`);
        tableOf(change.table).set(keyText(spec, change.row), asStored(spec, change.row));
      } else tableOf(change.table).delete(keyText(spec, change.key));
    }
    return changes;
  };
  const rows = (name: string): ReadonlyArray<Row> =>
    [...tableOf(name).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  return {
    apply,
    applyAll: (events) => {
      for (const event of events) apply(event);
    },
    rows,
    snapshot: () => Object.fromEntries(projection.tables.map((spec) => [spec.name, rows(spec.name)])),
  };
};
