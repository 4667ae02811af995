import { describe, expect, it } from 'vitest';

import type { Projection } from '../model/projection.js';
import type { Row } from '../model/readModel.js';
import type { ProjectionStatus, ReadModelStore } from '../model/readModelStore.js';
import { liveTables } from './tables.js';

const projection: Projection = { name: 'sample', version: 1, tables: [], reads: () => [], apply: () => [] };

/** A store whose live generation and SQLite `data_version` the test moves; counts the status reads. */
const fakeStore = (dialect: 'sqlite' | 'postgres') => {
  const state = { generation: 1, dataVersion: 1n, statusReads: 0 };
  const store: ReadModelStore = {
    dialect,
    prepare: () => Promise.resolve(),
    statuses: () => {
      state.statusReads += 1;
      const status: ProjectionStatus = {
        name: 'sample',
        version: 1,
        generation: state.generation,
        position: undefined,
      };
      return Promise.resolve([status]);
    },
    checkpoint: () => Promise.resolve(undefined),
    transaction: () => Promise.reject(new Error('not in this test')),
    activate: (_projection, generation) => {
      // As SQLite does: a commit by another connection moves the reader's data_version.
      state.generation = generation;
      state.dataVersion += 1n;
      return Promise.resolve();
    },
    tableName: (name, table, generation) => `rm_${name}__${table}_g${String(generation)}`,
    query: (sql) => {
      if (sql !== 'PRAGMA data_version') return Promise.reject(new Error(`unexpected query ${sql}`));
      const row: Row = { data_version: state.dataVersion };
      return Promise.resolve([row]);
    },
    close: () => Promise.resolve(),
  };
  return { store, state };
};

describe('live tables', () => {
  it('reads the statuses once while SQLite reports no commit, and again after an activation', async () => {
    const { store, state } = fakeStore('sqlite');
    expect((await liveTables(store)).name(projection, 'rows')).toBe('rm_sample__rows_g1');
    expect((await liveTables(store)).name(projection, 'rows')).toBe('rm_sample__rows_g1');
    expect(state.statusReads).toBe(1);

    await store.activate(projection, 2);
    expect((await liveTables(store)).name(projection, 'rows')).toBe('rm_sample__rows_g2');
    expect(state.statusReads).toBe(2);
  });

  it('reads the statuses on every call when the store has no cheap change stamp', async () => {
    const { store, state } = fakeStore('postgres');
    await liveTables(store);
    await liveTables(store);
    expect(state.statusReads).toBe(2);
  });
});
