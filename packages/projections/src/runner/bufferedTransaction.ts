import type { Projection } from '../model/projection.js';
import type { Change, Row, SqlValue } from '../model/readModel.js';
import type { ReadModelTransaction } from '../model/readModelStore.js';

const keyPart = (value: SqlValue | undefined): string =>
  value === undefined || value === null ? '\u0000null' : `${typeof value}:${String(value)}`;

interface Pending {
  readonly projection: Projection;
  readonly generation: number;
  readonly change: Change;
}

/** A row found in the batch's own pending changes: `row` is undefined when the batch deleted it. */
export interface BufferedHit {
  readonly row: Row | undefined;
}

export interface BufferedTransaction extends ReadModelTransaction {
  /** Writes the pending changes, each touched row once, and starts over with an empty buffer. */
  readonly flush: () => Promise<void>;
  /** The batch's own pending version of a row, synchronously, or `undefined` when the batch has not touched it. */
  readonly peek: (
    projection: Projection,
    generation: number,
    table: string,
    key: Row,
  ) => BufferedHit | undefined;
  /** `apply`, synchronously (it only buffers). */
  readonly applyNow: (projection: Projection, generation: number, changes: ReadonlyArray<Change>) => void;
}

/** Primary-key columns per projection and table, looked up once rather than per row. */
const primaryKeys = new WeakMap<Projection, Map<string, ReadonlyArray<string> | undefined>>();
const primaryKeyOf = (projection: Projection, table: string): ReadonlyArray<string> | undefined => {
  let byTable = primaryKeys.get(projection);
  if (byTable === undefined) {
    byTable = new Map();
    primaryKeys.set(projection, byTable);
  }
  if (!byTable.has(table))
    byTable.set(table, projection.tables.find((candidate) => candidate.name === table)?.primaryKey);
  return byTable.get(table);
};

/**
 * Keeps a batch's changes in memory and writes each touched row once at the end of the batch: an invoice row
 * updated by five events in a batch costs one write, not five. Reads see the batch's own pending changes first,
 * so projections observe exactly what they would with row-by-row writes inside the transaction.
 */
export const createBufferedTransaction = (tx: ReadModelTransaction): BufferedTransaction => {
  const pending = new Map<string, Pending>();

  // The table of the previous call, its key prefix and primary key: runs of calls for one table are the rule
  // (a projection's reads and changes, event after event), so most calls build only the key's own part.
  let lastProjection: Projection | undefined;
  let lastGeneration = -1;
  let lastTable = '';
  let lastPrefix = '';
  let lastColumns: ReadonlyArray<string> | undefined;
  const keyOf = (projection: Projection, generation: number, table: string, row: Row): string => {
    if (projection !== lastProjection || generation !== lastGeneration || table !== lastTable) {
      lastProjection = projection;
      lastGeneration = generation;
      lastTable = table;
      lastPrefix = `${projection.name}\u0001${String(generation)}\u0001${table}`;
      lastColumns = primaryKeyOf(projection, table);
    }
    const columns = lastColumns ?? Object.keys(row);
    let key = lastPrefix;
    for (const column of columns) key += `\u0001${keyPart(row[column])}`;
    return key;
  };

  const peek = (
    projection: Projection,
    generation: number,
    table: string,
    key: Row,
  ): BufferedHit | undefined => {
    const buffered = pending.get(keyOf(projection, generation, table, key));
    if (buffered === undefined) return undefined;
    return { row: buffered.change.op === 'upsert' ? buffered.change.row : undefined };
  };

  const applyNow = (projection: Projection, generation: number, changes: ReadonlyArray<Change>): void => {
    for (const change of changes) {
      const row = change.op === 'upsert' ? change.row : change.key;
      const key = keyOf(projection, generation, change.table, row);
      // Re-insert so the map keeps the order of last writes (deletes and upserts of one row never reorder).
      pending.delete(key);
      pending.set(key, { projection, generation, change });
    }
  };

  return {
    get: async (projection, generation, table, key) => {
      const hit = peek(projection, generation, table, key);
      if (hit !== undefined) return hit.row;
      return tx.get(projection, generation, table, key);
    },
    peek,
    apply: (projection, generation, changes) => {
      applyNow(projection, generation, changes);
      return Promise.resolve();
    },
    applyNow,
    setCheckpoint: (projection, generation, position) => tx.setCheckpoint(projection, generation, position),
    flush: async () => {
      const groups = new Map<string, { projection: Projection; generation: number; changes: Change[] }>();
      for (const { projection, generation, change } of pending.values()) {
        const id = `${projection.name}\u0001${String(generation)}`;
        let group = groups.get(id);
        if (group === undefined) {
          group = { projection, generation, changes: [] };
          groups.set(id, group);
        }
        group.changes.push(change);
      }
      pending.clear();
      for (const { projection, generation, changes } of groups.values())
        await tx.apply(projection, generation, changes);
    },
  };
};
