import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import { handleCommand, invoiceAggregate, invoiceStream } from '@accrue/domain';
import type { Projection } from '@accrue/projections';
import { createProjectionRunner } from '@accrue/projections';

import { context, createDraft } from '../writeSide/fixtures.js';

/** A minimal projection: one row per event, and a per-tenant counter (read-modify-write). */
const counting = (version = 1): Projection => ({
  name: 'counting',
  version,
  tables: [
    {
      name: 'seen',
      columns: [
        { name: 'event_id', type: 'text' },
        { name: 'position', type: 'integer' },
      ],
      primaryKey: ['event_id'],
    },
    {
      name: 'per_tenant',
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'events', type: 'integer' },
        { name: 'last_position', type: 'integer' },
      ],
      primaryKey: ['tenant_id'],
    },
  ],
  reads: (event) => [{ table: 'per_tenant', key: { tenant_id: event.metadata.tenantId } }],
  apply: (event, [current]) => {
    const last = typeof current?.['last_position'] === 'bigint' ? current['last_position'] : -1n;
    if (event.globalPosition <= last) return [];
    const events = typeof current?.['events'] === 'bigint' ? current['events'] : 0n;
    return [
      { op: 'upsert', table: 'seen', row: { event_id: event.eventId, position: event.globalPosition } },
      {
        op: 'upsert',
        table: 'per_tenant',
        row: { tenant_id: event.metadata.tenantId, events: events + 1n, last_position: event.globalPosition },
      },
    ];
  },
});

const folder = mkdtempSync(join(tmpdir(), 'accrue-runner-'));
let files = 0;
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const seed = async (store: ReturnType<typeof createMemoryEventStore>, count: number, prefix: string) => {
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    const result = await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream(i % 2 === 0 ? 't1' : 't2', id),
      createDraft(i % 2 === 0 ? 't1' : 't2', id),
      context(i % 2 === 0 ? 't1' : 't2', `c-${id}`),
    )();
    if (E.isLeft(result)) throw new Error(result.left._tag);
  }
};

describe('projection runner', () => {
  it('catches up in batches, checkpoints, and resumes where it stopped', async () => {
    const events = createMemoryEventStore();
    await seed(events, 25, 'a');
    const path = join(folder, `${files++}.db`);
    const readModels = createSqliteReadModelStore({ path });
    const runner = createProjectionRunner({ events, readModels, projections: [counting()], batchSize: 7 });
    await runner.initialise();
    expect(await runner.catchUp()).toBe(25n);
    await readModels.close();

    await seed(events, 5, 'b');
    const reopened = createSqliteReadModelStore({ path });
    const again = createProjectionRunner({
      events,
      readModels: reopened,
      projections: [counting()],
      batchSize: 7,
    });
    await again.initialise();
    expect(again.position()).toBe(25n);
    expect(await again.catchUp()).toBe(30n);
    const table = reopened.tableName('counting', 'per_tenant', 1);
    expect(await reopened.query(`SELECT tenant_id, events FROM ${table} ORDER BY tenant_id`)).toEqual([
      // Even indexes go to t1: 13 of the first 25 and 3 of the next 5.
      { tenant_id: 't1', events: 16n },
      { tenant_id: 't2', events: 14n },
    ]);
    await reopened.close();
  });

  it('follows live, and lets a reader wait for the position it wrote', async () => {
    const events = createMemoryEventStore();
    const readModels = createSqliteReadModelStore({ path: ':memory:' });
    const runner = createProjectionRunner({ events, readModels, projections: [counting()] });
    await runner.initialise();
    runner.start();
    const written = await handleCommand(
      events,
      invoiceAggregate,
      invoiceStream('t1', 'live'),
      createDraft('t1', 'live'),
      context('t1', 'live'),
    )();
    const position = E.isRight(written) ? written.right.position : undefined;
    expect(position).toBeDefined();
    expect(await runner.waitFor(position ?? 0n, 5000)).toBe(true);
    expect(await runner.waitFor((position ?? 0n) + 100n, 50)).toBe(false);
    await runner.stop();
    await readModels.close();
  });

  it('rebuilds a new version beside the live one and switches over', async () => {
    const events = createMemoryEventStore();
    await seed(events, 12, 'r');
    const path = join(folder, `${files++}.db`);
    const readModels = createSqliteReadModelStore({ path });
    const v1 = createProjectionRunner({ events, readModels, projections: [counting(1)], batchSize: 5 });
    await v1.initialise();
    await v1.catchUp();
    const progress: bigint[] = [];
    const v2 = createProjectionRunner({ events, readModels, projections: [counting(2)], batchSize: 5 });
    await v2.initialise(); // version changed: rebuilt into generation 2
    const result = await v2.rebuild('counting', (p) => progress.push(p.position));
    expect(result.position).toBe(12n);
    expect(progress.at(-1)).toBe(12n);
    const statuses = await readModels.statuses();
    expect(statuses).toEqual([{ name: 'counting', version: 2, generation: 3, position: 12n }]);
    const live = readModels.tableName('counting', 'seen', 3);
    expect(await readModels.query(`SELECT COUNT(*) AS n FROM ${live}`)).toEqual([{ n: 12n }]);
    const gone = await readModels.query("SELECT name FROM sqlite_master WHERE name LIKE 'rm_counting_%_g1'");
    expect(gone).toEqual([]);
    await readModels.close();
  });

  it('continues on the new generation when another process rebuilt and switched a read model', async () => {
    const events = createMemoryEventStore();
    await seed(events, 6, 'x');
    const path = join(folder, `${String(files++)}.db`);
    const server = createSqliteReadModelStore({ path });
    const serving = createProjectionRunner({ events, readModels: server, projections: [counting()] });
    await serving.initialise();
    await serving.catchUp();

    // `accrue rebuild` in another process: its own store connection, a new generation, the old tables dropped.
    const cli = createSqliteReadModelStore({ path });
    const rebuilding = createProjectionRunner({ events, readModels: cli, projections: [counting()] });
    await rebuilding.initialise();
    await rebuilding.rebuild('counting');
    await cli.close();

    await seed(events, 4, 'y');
    expect(await serving.catchUp()).toBe(10n);
    const [status] = await server.statuses();
    expect(status?.generation).toBe(2);
    const table = server.tableName('counting', 'seen', 2);
    expect(await server.query(`SELECT COUNT(*) AS n FROM ${table}`)).toEqual([{ n: 10n }]);
    await server.close();
  });
});
