import type { Projection } from '../model/projection.js';
import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Row } from '../model/readModel.js';
import type { ReadModelTransaction } from '../model/readModelStore.js';
import type { BufferedTransaction } from './bufferedTransaction.js';

/**
 * Applies events to one projection generation inside a read-model transaction: for each event, fetch the rows
 * the projection asks for (they see the changes of earlier events in the same transaction), run the pure
 * `apply`, write its changes. Events at or before `after` are skipped, so redelivery is harmless.
 */
export const applyBatch = async (
  tx: ReadModelTransaction,
  projection: Projection,
  generation: number,
  events: ReadonlyArray<ProjectedEvent>,
  after: bigint | undefined,
): Promise<number> => {
  let applied = 0;
  for (const event of events) {
    if (after !== undefined && event.globalPosition <= after) continue;
    const requests = projection.reads?.(event) ?? [];
    const rows: Array<Row | undefined> = [];
    for (const request of requests)
      rows.push(await tx.get(projection, generation, request.table, request.key));
    const changes = projection.apply(event, rows);
    if (changes.length > 0) await tx.apply(projection, generation, changes);
    applied += 1;
  }
  return applied;
};

const NO_ROWS: ReadonlyArray<Row | undefined> = [];

/**
 * `applyBatch` on a buffered transaction, with the same outcome: rows the batch already touched are read from
 * its buffer synchronously, and only a row it has not seen waits for the store, so the hot loop makes no
 * promise per event.
 */
export const applyBufferedBatch = async (
  tx: BufferedTransaction,
  projection: Projection,
  generation: number,
  events: ReadonlyArray<ProjectedEvent>,
  after: bigint | undefined,
): Promise<number> => {
  let applied = 0;
  for (const event of events) {
    if (after !== undefined && event.globalPosition <= after) continue;
    const requests = projection.reads?.(event);
    let rows = NO_ROWS;
    if (requests !== undefined && requests.length > 0) {
      const fetched: Array<Row | undefined> = new Array<Row | undefined>(requests.length);
      for (let i = 0; i < requests.length; i++) {
        const request = requests[i];
        if (request === undefined) continue;
        const hit = tx.peek(projection, generation, request.table, request.key);
        fetched[i] =
          hit !== undefined ? hit.row : await tx.get(projection, generation, request.table, request.key);
      }
      rows = fetched;
    }
    const changes = projection.apply(event, rows);
    if (changes.length > 0) tx.applyNow(projection, generation, changes);
    applied += 1;
  }
  return applied;
};
