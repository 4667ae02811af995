import type { Projection } from '../model/projection.js';
import type { Change, Row, SqlValue } from '../model/readModel.js';
import type { ReadModelTransaction } from '../model/readModelStore.js';

const keyPart = (value: SqlValue | undefined): string =>
  value === undefined || value === null ? '\u0000null' : `${typeof value}:${String(value)}`;

/**
 * Keeps a batch's changes in memory and writes each touched row once at the end of the batch: an invoice row
 * updated by five events in a batch costs one write, not five. Reads see the batch's own pending changes first,
 * so projections observe exactly what they would with row-by-row writes inside the transaction.
 */
export const createBufferedTransaction = (
  tx: ReadModelTransaction,
): ReadModelTransaction & { readonly flush: () => Promise<void> } => {
  const pending = new Map<string, { projection: Projection; generation: number; change: Change }>();

  const keyOf = (projection: Projection, generation: number, table: string, row: Row): string => {
    const spec = projection.tables.find((candidate) => candidate.name === table);
    const columns = spec?.primaryKey ?? Object.keys(row);
    return `${projection.name}\u0001${String(generation)}\u0001${table}\u0001${columns.map((c) => keyPart(row[c])).join('\u0001')}`;
  };

  return {
    get: async (projection, generation, table, key) => {
      const buffered = pending.get(keyOf(projection, generation, table, key));
      if (buffered !== undefined) return buffered.change.op === 'upsert' ? buffered.change.row : undefined;
      return tx.get(projection, generation, table, key);
    },
    apply: (projection, generation, changes) => {
      for (const change of changes) {
        const row = change.op === 'upsert' ? change.row : change.key;
        const key = keyOf(projection, generation, change.table, row);
        // Re-insert so the map keeps the order of last writes (deletes and upserts of one row never reorder).
        pending.delete(key);
        pending.set(key, { projection, generation, change });
      }
      return Promise.resolve();
    },
    setCheckpoint: (projection, generation, position) => tx.setCheckpoint(projection, generation, position),
    flush: async () => {
      const groups = new Map<string, { projection: Projection; generation: number; changes: Change[] }>();
      for (const { projection, generation, change } of pending.values()) {
        const id = `${projection.name}\u0001${String(generation)}`;
        const group = groups.get(id) ?? { projection, generation, changes: [] };
        group.changes.push(change);
        groups.set(id, group);
      }
      pending.clear();
      for (const { projection, generation, changes } of groups.values())
        await tx.apply(projection, generation, changes);
    },
  };
};
