import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Projection, ReadModelStore, Row } from '@accrue/projections';

import { readModelStoreContract } from '../testing/readModelStoreContract.js';
import { createSqliteReadModelStore } from './readModelStore.js';

const folder = mkdtempSync(join(tmpdir(), 'accrue-read-models-'));
let files = 0;
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

readModelStoreContract('sqlite :memory:', () =>
  Promise.resolve(createSqliteReadModelStore({ path: ':memory:' })),
);

readModelStoreContract('sqlite file', () =>
  Promise.resolve(createSqliteReadModelStore({ path: join(folder, `${String(files++)}.db`) })),
);

describe('sqlite read models: bulk loading', () => {
  const projection: Projection = {
    name: 'bulk',
    version: 1,
    tables: [
      {
        name: 'items',
        columns: [
          { name: 'tenant_id', type: 'text' },
          { name: 'item_id', type: 'text' },
          { name: 'day', type: 'text' },
          { name: 'amount', type: 'integer' },
        ],
        primaryKey: ['tenant_id', 'item_id'],
        indexes: [['tenant_id', 'day'], ['amount']],
      },
    ],
    apply: () => [],
  };
  const row = (id: number, amount: bigint): Row => ({
    tenant_id: 't1',
    item_id: `i-${String(id)}`,
    day: `2026-03-${String(1 + (id % 28)).padStart(2, '0')}`,
    amount,
  });
  const indexes = async (store: ReadModelStore, generation: number): Promise<string[]> =>
    (
      await store.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name",
        [store.tableName('bulk', 'items', generation)],
      )
    )
      .map((r) => String(r['name']))
      .filter((name) => !name.startsWith('sqlite_autoindex'));

  it('drops a generation’s secondary indexes for the fill and builds them again after it', async () => {
    const store = createSqliteReadModelStore({ path: join(folder, `${String(files++)}.db`) });
    await store.prepare(projection, 1);
    await store.prepare(projection, 2);
    const table = store.tableName('bulk', 'items', 2);
    expect(await indexes(store, 2)).toEqual([`${table}_i0`, `${table}_i1`]);

    await store.startBulkLoad?.(projection, 2);
    expect(await indexes(store, 2)).toEqual([]);
    // The other generation keeps its indexes; the primary key still upserts and reads by key.
    expect(await indexes(store, 1)).toHaveLength(2);
    await store.transaction(
      async (tx) => {
        await tx.apply(projection, 2, [
          { op: 'upsert', table: 'items', row: row(1, 5n) },
          { op: 'upsert', table: 'items', row: row(2, 7n) },
          { op: 'upsert', table: 'items', row: row(1, 9n) },
        ]);
        expect(await tx.get(projection, 2, 'items', { tenant_id: 't1', item_id: 'i-1' })).toEqual(row(1, 9n));
        await tx.setCheckpoint(projection, 2, 3n);
      },
      { relaxedDurability: true },
    );
    // Committed: readers on the other connection see the rows and the checkpoint.
    expect(await store.query(`SELECT item_id, amount FROM ${table} ORDER BY item_id`)).toEqual([
      { item_id: 'i-1', amount: 9n },
      { item_id: 'i-2', amount: 7n },
    ]);
    expect(await store.checkpoint('bulk', 2)).toBe(3n);

    await store.finishBulkLoad?.(projection, 2);
    expect(await indexes(store, 2)).toEqual([`${table}_i0`, `${table}_i1`]);
    await store.close();
  });

  it('rolls a failed relaxed transaction back, and goes on committing durably', async () => {
    const store = createSqliteReadModelStore({ path: join(folder, `${String(files++)}.db`) });
    await store.prepare(projection, 1);
    await expect(
      store.transaction(
        async (tx) => {
          await tx.apply(projection, 1, [{ op: 'upsert', table: 'items', row: row(1, 5n) }]);
          await tx.setCheckpoint(projection, 1, 1n);
          throw new Error('planned');
        },
        { relaxedDurability: true },
      ),
    ).rejects.toThrow('planned');
    expect(await store.checkpoint('bulk', 1)).toBeUndefined();
    await store.transaction((tx) =>
      tx.apply(projection, 1, [{ op: 'upsert', table: 'items', row: row(2, 6n) }]),
    );
    expect(await store.query(`SELECT item_id FROM ${store.tableName('bulk', 'items', 1)}`)).toEqual([
      { item_id: 'i-2' },
    ]);
    await store.close();
  });

  it('changes its change stamp at once after its own commit and after another connection’s', async () => {
    const path = join(folder, `${String(files++)}.db`);
    const store = createSqliteReadModelStore({ path });
    await store.prepare(projection, 1);
    const first = store.changeStamp?.();
    expect(first).toBeTypeOf('bigint');
    expect(store.changeStamp?.()).toBe(first);
    await store.transaction((tx) =>
      tx.apply(projection, 1, [{ op: 'upsert', table: 'items', row: row(1, 5n) }]),
    );
    const afterOwn = store.changeStamp?.();
    expect(afterOwn).not.toBe(first);

    const other = createSqliteReadModelStore({ path });
    await other.transaction((tx) =>
      tx.apply(projection, 1, [{ op: 'upsert', table: 'items', row: row(2, 6n) }]),
    );
    expect(store.changeStamp?.()).not.toBe(afterOwn);
    await other.close();
    await store.close();
  });

  it('never makes a generation live without its indexes', async () => {
    const path = join(folder, `${String(files++)}.db`);
    const store = createSqliteReadModelStore({ path });
    await store.prepare(projection, 1);
    await store.startBulkLoad?.(projection, 1);
    // A crash here: the next `prepare` (a runner starting) or `activate` creates what is missing.
    await store.close();
    const reopened = createSqliteReadModelStore({ path });
    await reopened.prepare(projection, 1);
    expect(await indexes(reopened, 1)).toHaveLength(2);
    await reopened.startBulkLoad?.(projection, 1);
    await reopened.activate(projection, 1);
    expect(await indexes(reopened, 1)).toHaveLength(2);
    await reopened.close();
  });
});
