import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Projection, ReadModelStore, Row } from '@accrue/projections';

/** Beyond 2^53: a `number` would silently round these. */
const HUGE = 2n ** 62n + 12_345n;
const TINY = -(2n ** 63n);
const DOC = '{"name":"Zürich Ünïcode 🧾","amount":"12.50","tags":["ä","€"],"nested":{"z":1,"a":[]}}';

/** Every column type, non-null and nullable, under a two-column key. */
const sample = (name = 'sample', version = 1): Projection => ({
  name,
  version,
  tables: [
    {
      name: 'things',
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'thing_id', type: 'text' },
        { name: 'label', type: 'text' },
        { name: 'amount', type: 'integer' },
        { name: 'active', type: 'boolean' },
        { name: 'doc', type: 'json' },
        { name: 'note', type: 'text', nullable: true },
        { name: 'paid', type: 'integer', nullable: true },
        { name: 'flag', type: 'boolean', nullable: true },
        { name: 'extra', type: 'json', nullable: true },
      ],
      primaryKey: ['tenant_id', 'thing_id'],
      indexes: [['tenant_id', 'amount'], ['label']],
    },
    {
      name: 'tally',
      columns: [
        { name: 'id', type: 'text' },
        { name: 'count', type: 'integer' },
      ],
      primaryKey: ['id'],
    },
  ],
  apply: () => [],
});

const fullRow: Row = {
  tenant_id: 't1',
  thing_id: 'a',
  label: "it's ? a label",
  amount: HUGE,
  active: true,
  doc: DOC,
  note: 'ñ',
  paid: TINY,
  flag: false,
  extra: '[]',
};

const nullRow: Row = {
  tenant_id: 't1',
  thing_id: 'b',
  label: '',
  amount: 0n,
  active: false,
  doc: '{}',
  note: null,
  paid: null,
  flag: null,
  extra: null,
};

/** Nulls everywhere but in the nullable boolean, so tests about other things do not hinge on that one. */
const sparseRow: Row = { ...nullRow, thing_id: 'c', flag: true };

const key = (row: Row): Row => ({ tenant_id: row['tenant_id'] ?? null, thing_id: row['thing_id'] ?? null });

class Planned extends Error {}

/**
 * The one contract every `ReadModelStore` runs (SQLite, PostgreSQL). `open` gives a fresh, empty store; the
 * suite closes it. Only the port is used, so queries stay dialect-neutral (`COUNT(*)`, `?` placeholders).
 */
export const readModelStoreContract = (name: string, open: () => Promise<ReadModelStore>): void => {
  describe(`ReadModelStore contract: ${name}`, () => {
    let store: ReadModelStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const count = async (projection: string, table: string, generation: number): Promise<bigint> => {
      const rows = await store.query(
        `SELECT COUNT(*) AS n FROM ${store.tableName(projection, table, generation)}`,
      );
      const n = rows[0]?.['n'];
      if (typeof n !== 'bigint') throw new Error(`COUNT(*) read back as ${typeof n}, not bigint`);
      return n;
    };
    const tableExists = async (projection: string, table: string, generation: number): Promise<boolean> =>
      count(projection, table, generation).then(
        () => true,
        () => false,
      );
    const write = (projection: Projection, generation: number, ...rows: Row[]): Promise<void> =>
      store.transaction((tx) =>
        tx.apply(
          projection,
          generation,
          rows.map((row) => ({ op: 'upsert', table: 'things', row })),
        ),
      );
    const get = (projection: Projection, generation: number, table: string, k: Row) =>
      store.transaction((tx) => tx.get(projection, generation, table, k));

    it('round-trips every column type: bigint beyond 2^53, booleans, exact JSON text with unicode', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, fullRow);
      expect(await get(p, 1, 'things', key(fullRow))).toEqual(fullRow);
      const [queried] = await store.query(
        `SELECT amount, paid, doc, label FROM ${store.tableName('sample', 'things', 1)} WHERE thing_id = ?`,
        ['a'],
      );
      expect(queried).toEqual({ amount: HUGE, paid: TINY, doc: DOC, label: "it's ? a label" });
    });

    it('reads nulls back as null in every nullable column type', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, nullRow);
      expect(await get(p, 1, 'things', key(nullRow))).toEqual(nullRow);
    });

    it('gives undefined for a missing row', async () => {
      const p = sample();
      await store.prepare(p, 1);
      expect(await get(p, 1, 'things', { tenant_id: 't1', thing_id: 'nope' })).toBeUndefined();
      expect(await get(p, 1, 'tally', { id: 'x' })).toBeUndefined();
    });

    it('replaces the whole row on upsert, including setting columns back to null', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, fullRow);
      const replaced: Row = { ...sparseRow, thing_id: 'a', label: 'second', amount: -1n, active: true };
      await write(p, 1, replaced);
      expect(await get(p, 1, 'things', key(fullRow))).toEqual(replaced);
      expect(await count('sample', 'things', 1)).toBe(1n);
    });

    it('deletes by key, and deleting a missing row is a no-op', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, fullRow, sparseRow);
      await store.transaction((tx) =>
        tx.apply(p, 1, [
          { op: 'delete', table: 'things', key: key(fullRow) },
          { op: 'delete', table: 'things', key: { tenant_id: 't9', thing_id: 'zz' } },
        ]),
      );
      expect(await get(p, 1, 'things', key(fullRow))).toBeUndefined();
      expect(await get(p, 1, 'things', key(sparseRow))).toEqual(sparseRow);
    });

    it('lets a transaction read its own earlier changes, in order', async () => {
      const p = sample();
      await store.prepare(p, 1);
      const seen = await store.transaction(async (tx) => {
        const before = await tx.get(p, 1, 'tally', { id: 'x' });
        await tx.apply(p, 1, [{ op: 'upsert', table: 'tally', row: { id: 'x', count: 1n } }]);
        const middle = await tx.get(p, 1, 'tally', { id: 'x' });
        await tx.apply(p, 1, [
          { op: 'upsert', table: 'tally', row: { id: 'x', count: 2n } },
          { op: 'delete', table: 'tally', key: { id: 'x' } },
          { op: 'upsert', table: 'tally', row: { id: 'x', count: 3n } },
        ]);
        const after = await tx.get(p, 1, 'tally', { id: 'x' });
        return [before, middle, after];
      });
      expect(seen).toEqual([undefined, { id: 'x', count: 1n }, { id: 'x', count: 3n }]);
    });

    it('rolls back changes and checkpoint together when the work fails, and stays usable', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await store.transaction(async (tx) => {
        await tx.apply(p, 1, [{ op: 'upsert', table: 'things', row: fullRow }]);
        await tx.setCheckpoint(p, 1, 5n);
      });
      const planned = new Planned('projection failed');
      await expect(
        store.transaction(async (tx) => {
          await tx.apply(p, 1, [
            { op: 'upsert', table: 'things', row: nullRow },
            { op: 'delete', table: 'things', key: key(fullRow) },
          ]);
          await tx.setCheckpoint(p, 1, 9n);
          throw planned;
        }),
      ).rejects.toBe(planned);
      expect(await store.checkpoint('sample', 1)).toBe(5n);
      expect(await get(p, 1, 'things', key(fullRow))).toEqual(fullRow);
      expect(await get(p, 1, 'things', key(nullRow))).toBeUndefined();
      await store.transaction((tx) => tx.setCheckpoint(p, 1, 10n));
      expect(await store.checkpoint('sample', 1)).toBe(10n);
    });

    it('rolls back when a statement fails (a NOT NULL column left out)', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await expect(
        store.transaction(async (tx) => {
          await tx.setCheckpoint(p, 1, 3n);
          await tx.apply(p, 1, [{ op: 'upsert', table: 'tally', row: { id: 'x', count: 1n } }]);
          await tx.apply(p, 1, [{ op: 'upsert', table: 'tally', row: { id: 'y' } }]);
        }),
      ).rejects.toThrow();
      expect(await store.checkpoint('sample', 1)).toBeUndefined();
      expect(await count('sample', 'tally', 1)).toBe(0n);
    });

    it('runs concurrent transactions one after another (read-modify-write loses nothing)', async () => {
      const p = sample();
      await store.prepare(p, 1);
      const increment = () =>
        store.transaction(async (tx) => {
          const current = await tx.get(p, 1, 'tally', { id: 'x' });
          const n = typeof current?.['count'] === 'bigint' ? current['count'] : 0n;
          // A yield between read and write: an interleaved transaction would read the same value.
          await Promise.resolve();
          await tx.apply(p, 1, [{ op: 'upsert', table: 'tally', row: { id: 'x', count: n + 1n } }]);
        });
      await Promise.all(Array.from({ length: 10 }, increment));
      expect(await get(p, 1, 'tally', { id: 'x' })).toEqual({ id: 'x', count: 10n });
    });

    it('keeps one checkpoint per generation, beyond 2^53 too', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await store.prepare(p, 2);
      expect(await store.checkpoint('sample', 1)).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.setCheckpoint(p, 1, HUGE);
        await tx.setCheckpoint(p, 2, 3n);
      });
      await store.transaction((tx) => tx.setCheckpoint(p, 2, 4n));
      expect(await store.checkpoint('sample', 1)).toBe(HUGE);
      expect(await store.checkpoint('sample', 2)).toBe(4n);
      expect(await store.checkpoint('sample', 3)).toBeUndefined();
      expect(await store.checkpoint('other', 1)).toBeUndefined();
    });

    it('reports the live generation, version and checkpoint of every activated projection', async () => {
      expect(await store.statuses()).toEqual([]);
      const a = sample('alpha', 3);
      const b = sample('beta', 1);
      await store.prepare(a, 1);
      await store.activate(a, 1);
      await store.prepare(b, 4);
      await store.activate(b, 4);
      await store.transaction(async (tx) => {
        await tx.setCheckpoint(a, 1, 7n);
        // A generation being rebuilt does not show: statuses are about the live one.
        await tx.setCheckpoint(b, 5, 99n);
      });
      const statuses = [...(await store.statuses())].sort((x, y) => x.name.localeCompare(y.name));
      expect(statuses).toEqual([
        { name: 'alpha', version: 3, generation: 1, position: 7n },
        { name: 'beta', version: 1, generation: 4, position: undefined },
      ]);
    });

    it('activates a new generation: switches statuses, drops the old tables and checkpoints, keeps the new', async () => {
      const v1 = sample('sample', 1);
      const v2 = sample('sample', 2);
      await store.prepare(v1, 1);
      await store.activate(v1, 1);
      await write(v1, 1, fullRow);
      await store.transaction((tx) => tx.setCheckpoint(v1, 1, 10n));
      await store.prepare(v2, 2);
      await write(v2, 2, fullRow, nullRow);
      await store.transaction((tx) => tx.setCheckpoint(v2, 2, 12n));
      // Before the switch, readers still see generation 1.
      expect(await store.statuses()).toEqual([{ name: 'sample', version: 1, generation: 1, position: 10n }]);

      await store.activate(v2, 2);
      expect(await store.statuses()).toEqual([{ name: 'sample', version: 2, generation: 2, position: 12n }]);
      expect(await store.checkpoint('sample', 1)).toBeUndefined();
      expect(await tableExists('sample', 'things', 1)).toBe(false);
      expect(await tableExists('sample', 'tally', 1)).toBe(false);
      expect(await count('sample', 'things', 2)).toBe(2n);
      // Re-activating the live generation changes nothing.
      await store.activate(v2, 2);
      expect(await count('sample', 'things', 2)).toBe(2n);
      expect(await store.checkpoint('sample', 2)).toBe(12n);
    });

    it('lets query see committed data only, never a batch in progress', async () => {
      const p = sample();
      await store.prepare(p, 1);
      const inside = await store.transaction(async (tx) => {
        await tx.apply(p, 1, [{ op: 'upsert', table: 'things', row: fullRow }]);
        await tx.setCheckpoint(p, 1, 1n);
        return { rows: await count('sample', 'things', 1), checkpoint: await store.checkpoint('sample', 1) };
      });
      expect(inside).toEqual({ rows: 0n, checkpoint: undefined });
      expect(await count('sample', 'things', 1)).toBe(1n);
      expect(await store.checkpoint('sample', 1)).toBe(1n);
    });

    it('binds ? placeholders in order, of every value type, leaving a ? inside a literal alone', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, fullRow, nullRow, { ...nullRow, thing_id: 'c', amount: 5n });
      const table = store.tableName('sample', 'things', 1);
      const rows = await store.query(
        `SELECT thing_id FROM ${table} WHERE tenant_id = ? AND (label = 'it''s ? a label' OR amount >= ?) AND thing_id <> ?
         ORDER BY thing_id`,
        ['t1', 5n, 'zz'],
      );
      expect(rows).toEqual([{ thing_id: 'a' }, { thing_id: 'c' }]);
      expect(
        await store.query(`SELECT thing_id FROM ${table} WHERE amount = ? AND active = ?`, [HUGE, true]),
      ).toEqual([{ thing_id: 'a' }]);
      expect(await store.query(`SELECT thing_id FROM ${table} WHERE amount = ?`, [5])).toEqual([
        { thing_id: 'c' },
      ]);
    });

    it('names tables per projection, table and generation, and keeps their rows apart', async () => {
      const a = sample('alpha');
      const b = sample('beta');
      const names = new Set([
        store.tableName('alpha', 'things', 1),
        store.tableName('alpha', 'things', 2),
        store.tableName('alpha', 'tally', 1),
        store.tableName('beta', 'things', 1),
      ]);
      expect(names.size).toBe(4);
      await store.prepare(a, 1);
      await store.prepare(a, 2);
      await store.prepare(b, 1);
      await write(a, 1, fullRow);
      await write(b, 1, nullRow);
      expect(await count('alpha', 'things', 1)).toBe(1n);
      expect(await count('alpha', 'things', 2)).toBe(0n);
      expect(await count('beta', 'things', 1)).toBe(1n);
      expect(await get(b, 1, 'things', key(fullRow))).toBeUndefined();
      expect(await get(a, 1, 'things', key(nullRow))).toBeUndefined();
    });

    it('gives distinct tables to names that only differ in where the projection name ends', () => {
      // Projection `ab` + table `c_d` against projection `ab_c` + table `d`.
      expect(store.tableName('ab', 'c_d', 1)).not.toBe(store.tableName('ab_c', 'd', 1));
    });

    it('activating a projection leaves alone the tables of a projection whose name extends its own', async () => {
      const invoices = sample('invoices');
      const byCustomer = sample('invoices_by_customer');
      await store.prepare(byCustomer, 1);
      await store.activate(byCustomer, 1);
      await write(byCustomer, 1, fullRow);
      await store.transaction((tx) => tx.setCheckpoint(byCustomer, 1, 4n));
      await store.prepare(invoices, 1);
      await store.activate(invoices, 1);
      await store.prepare(invoices, 2);
      await store.activate(invoices, 2);
      expect(await tableExists('invoices', 'things', 1)).toBe(false);
      expect(await tableExists('invoices_by_customer', 'things', 1)).toBe(true);
      expect(await count('invoices_by_customer', 'things', 1)).toBe(1n);
      expect(await store.checkpoint('invoices_by_customer', 1)).toBe(4n);
    });

    it('prepares idempotently: a second prepare keeps the rows', async () => {
      const p = sample();
      await store.prepare(p, 1);
      await write(p, 1, fullRow);
      await store.prepare(p, 1);
      await store.prepare(p, 1);
      expect(await get(p, 1, 'things', key(fullRow))).toEqual(fullRow);
      expect(await count('sample', 'tally', 1)).toBe(0n);
    });
  });
};
