import type { Change, Row, RowRequest, TableSpec } from './readModel.js';
import type { ProjectedEvent } from './projectedEvent.js';

/**
 * A projection: pure functions from events to read-model changes, and the tables they change.
 *
 * - `reads` names the rows the projection must see before it decides (read-modify-write views, e.g. an
 *   invoice's row to add a payment to); the runner fetches them, in the same transaction, and passes them to
 *   `apply` in the same order (`undefined` for a missing row).
 * - `apply` is pure (no clock, no I/O) and must be idempotent under redelivery: applying an event a second time
 *   changes nothing (rows keyed by event id, or views that remember the last stream version they applied).
 * - Bumping `version` means the tables' meaning changed: the runner rebuilds the projection from position 0
 *   into new tables beside the live ones, then switches over.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly tables: ReadonlyArray<TableSpec>;
  readonly reads?: (event: ProjectedEvent) => ReadonlyArray<RowRequest>;
  readonly apply: (event: ProjectedEvent, rows: ReadonlyArray<Row | undefined>) => ReadonlyArray<Change>;
}
