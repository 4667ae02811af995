import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { ProjectedEvent, ReadModelStore } from '@accrue/projections';
import { applyBatch, getInvoice, invoicesProjection, liveTables, readModelStamp } from '@accrue/projections';
import { createEventLog } from '@accrue/projections/testing';

import { createSqliteReadModelStore } from './readModelStore.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
const NOW = '2026-03-02T09:00:00Z';

const project = async (
  store: ReadModelStore,
  generation: number,
  events: ReadonlyArray<ProjectedEvent>,
  after: bigint | undefined,
): Promise<void> => {
  await store.transaction(async (tx) => {
    await applyBatch(tx, invoicesProjection, generation, events, after);
    const last = events.at(-1)?.globalPosition;
    if (last !== undefined) await tx.setCheckpoint(invoicesProjection, generation, last);
  });
};

// The queries keep live table names and invoice views while SQLite's `data_version` stands still: every commit
// of the writer connection (projection batches, activations) must move it, so readers never see stale data.
describe('read-model queries on SQLite', () => {
  it('see every committed batch and every activation at once', async () => {
    const store = createSqliteReadModelStore({ path: ':memory:' });
    try {
      await store.prepare(invoicesProjection, 1);
      await store.activate(invoicesProjection, 1);
      const log = createEventLog('tenant-1');
      const drafted = log.draft('inv-1', { customer, issueDate: '2026-03-02' }, NOW);
      await project(store, 1, drafted, undefined);

      const stamp = await readModelStamp(store);
      expect(stamp).toBeDefined();
      const draft = await getInvoice(store, 'tenant-1', 'inv-1');
      expect(draft?.status).toBe('draft');
      // Unchanged: the same view, and the same stamp.
      expect(await getInvoice(store, 'tenant-1', 'inv-1')).toBe(draft);
      expect(await readModelStamp(store)).toBe(stamp);
      expect(await getInvoice(store, 'tenant-2', 'inv-1')).toBeUndefined();

      const approved = log.approve('inv-1', NOW);
      await project(store, 1, approved, drafted.at(-1)?.globalPosition);
      expect(await readModelStamp(store)).not.toBe(stamp);
      expect((await getInvoice(store, 'tenant-1', 'inv-1'))?.status).toBe('approved');

      // A second generation with the draft only: once active, readers use it.
      await store.prepare(invoicesProjection, 2);
      await project(store, 2, drafted, undefined);
      expect((await getInvoice(store, 'tenant-1', 'inv-1'))?.status).toBe('approved');
      await store.activate(invoicesProjection, 2);
      expect((await liveTables(store)).name(invoicesProjection, 'invoices')).toBe(
        store.tableName('invoices', 'invoices', 2),
      );
      expect((await getInvoice(store, 'tenant-1', 'inv-1'))?.status).toBe('draft');
    } finally {
      await store.close();
    }
  });

  it('see another connection activate a generation (e.g. `accrue rebuild` in its own process)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'accrue-read-queries-'));
    const path = join(folder, 'read.db');
    const server = createSqliteReadModelStore({ path });
    const rebuild = createSqliteReadModelStore({ path });
    try {
      await server.prepare(invoicesProjection, 1);
      await server.activate(invoicesProjection, 1);
      const log = createEventLog('tenant-1');
      const drafted = log.draft('inv-1', { customer, issueDate: '2026-03-02' }, NOW);
      const approved = log.approve('inv-1', NOW);
      await project(server, 1, [...drafted, ...approved], undefined);
      expect((await getInvoice(server, 'tenant-1', 'inv-1'))?.status).toBe('approved');

      await rebuild.prepare(invoicesProjection, 2);
      await project(rebuild, 2, drafted, undefined);
      await rebuild.activate(invoicesProjection, 2);
      expect((await getInvoice(server, 'tenant-1', 'inv-1'))?.status).toBe('draft');
    } finally {
      await rebuild.close();
      await server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
