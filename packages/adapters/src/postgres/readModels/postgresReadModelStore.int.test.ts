import * as E from 'fp-ts/lib/Either.js';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import type { CommandContext, EventStore, Timestamp } from '@accrue/domain';
import {
  CreateDraftInvoice,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  StoreFailure,
} from '@accrue/domain';
import type { Projection } from '@accrue/projections';
import { applyBatch, createProjectionRunner, toProjectedEvent } from '@accrue/projections';

import { createMemoryEventStore } from '../../memory/index.js';
import { readModelStoreContract } from '../../testing/readModelStoreContract.js';
import { appendInTransaction } from '../appendInTransaction.js';
import { createPostgresEventStore } from '../postgresEventStore.js';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from '../testing/postgresAvailability.js';
import type { PostgresReadModelStore } from './postgresReadModelStore.js';
import { createPostgresReadModelStore } from './postgresReadModelStore.js';
import { readModelTransactionWithin } from './readModelTransactionWithin.js';

const postgres = await probePostgres();

const NOW = '2026-11-21T10:00:00Z' as Timestamp;
const context = (tenantId: string, commandId: string): CommandContext => ({
  tenantId,
  commandId,
  actor: 'test',
  now: NOW,
});
const createDraft = (tenantId: string, invoiceId: string): CreateDraftInvoice => {
  const decoded = CreateDraftInvoice.decode({
    type: 'CreateDraftInvoice',
    data: {
      invoiceId,
      tenantId,
      now: NOW,
      currency: 'EUR',
      customer: { id: 'cust-1', name: 'Acme GmbH' },
      lines: [{ id: '1', quantity: '2', netPrice: '50.00', vat: { category: 'S', rate: '19' } }],
    },
  });
  if (E.isLeft(decoded)) throw new Error('fixture does not decode');
  return decoded.right;
};
const seed = async (events: EventStore, count: number, prefix: string): Promise<void> => {
  for (let i = 0; i < count; i++) {
    const tenant = i % 2 === 0 ? 't1' : 't2';
    const id = `${prefix}-${String(i)}`;
    const result = await handleCommand(
      events,
      invoiceAggregate,
      invoiceStream(tenant, id),
      createDraft(tenant, id),
      context(tenant, `c-${id}`),
    )();
    if (E.isLeft(result)) throw new Error(result.left._tag);
  }
};

/** One row per event and a per-tenant counter (read-modify-write), as in the SQLite runner test. */
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
      indexes: [['last_position']],
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

describeWithPostgres(postgres, 'PostgreSQL read-model store', (url) => {
  const schemas = new Set<string>();
  const stores: PostgresReadModelStore[] = [];
  const freshSchema = (): string => {
    const schema = uniqueTestSchema('accrue_read_test');
    schemas.add(schema);
    return schema;
  };
  const open = async (schema: string = freshSchema()): Promise<PostgresReadModelStore> => {
    const store = await createPostgresReadModelStore({ connectionString: url, schema });
    stores.push(store);
    return store;
  };
  const sql = async <A>(run: (client: Client) => Promise<A>): Promise<A> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await dropSchemas(url, schemas);
  });

  readModelStoreContract('postgres', () => open());

  describe('PostgreSQL specifics', () => {
    it('creates the declared column types, and reads integers as bigint without changing pg for others', async () => {
      const store = await open();
      await store.prepare(counting(), 1);
      const columns = await sql((c) =>
        c.query<{ table_name: string; column_name: string; data_type: string }>(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = $1 AND table_name LIKE 'rm_%' ORDER BY table_name, ordinal_position`,
          [store.schema],
        ),
      );
      expect(columns.rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}`)).toEqual([
        'rm_counting__per_tenant_g1.tenant_id:text',
        'rm_counting__per_tenant_g1.events:bigint',
        'rm_counting__per_tenant_g1.last_position:bigint',
        'rm_counting__seen_g1.event_id:text',
        'rm_counting__seen_g1.position:bigint',
      ]);
      expect(
        await store.query('SELECT 1 AS a, 2::int8 AS b, SUM(x) AS s FROM (VALUES (2::int8), (3)) v(x)'),
      ).toEqual([{ a: 1n, b: 2n, s: 5n }]);
      // The parsers belong to the store's connections: a plain client still gets int8 as text.
      expect((await sql((c) => c.query('SELECT 2::int8 AS b'))).rows).toEqual([{ b: '2' }]);
    });

    it('starts concurrently on one new schema, and again on an existing one', async () => {
      const schema = freshSchema();
      const opened = await Promise.all([open(schema), open(schema), open(schema)]);
      await opened[0].prepare(counting(), 1);
      await Promise.all(opened.map((store) => store.prepare(counting(), 1)));
      const again = await open(schema);
      expect(await again.statuses()).toEqual([]);
    });

    it('refuses a bad schema name at once, and an unreachable server with StoreUnavailable', async () => {
      await expect(
        createPostgresReadModelStore({ connectionString: url, schema: 'Bad-Name' }),
      ).rejects.toThrow(TypeError);
      const unreachable = createPostgresReadModelStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/x',
      });
      await expect(unreachable).rejects.toBeInstanceOf(StoreFailure);
    });

    it('refuses table names PostgreSQL would truncate or that could collide', async () => {
      const store = await open();
      expect(() => store.tableName('p'.repeat(40), 't'.repeat(30), 1)).toThrow(/identifier/);
      expect(() => store.tableName('a__b', 'c', 1)).toThrow(/projection name/);
      expect(() => store.tableName('a', 'c_', 1)).toThrow(/table name/);
      const camel: Projection = { ...counting(), name: 'fooBar' };
      const snake: Projection = { ...counting(), name: 'foo_bar' };
      await store.prepare(camel, 1);
      await expect(store.prepare(snake, 1)).rejects.toThrow(/belongs to another/);
    });

    it('commits read-model changes in the same transaction as the events, or neither', async () => {
      const schema = freshSchema();
      const events = await createPostgresEventStore({ connectionString: url, schema });
      try {
        const readModels = await open(schema);
        const projection = counting();
        await readModels.prepare(projection, 1);
        await readModels.activate(projection, 1);
        const embed = (commit: boolean, id: string) =>
          sql(async (client) => {
            await client.query('BEGIN');
            const appended = await appendInTransaction(
              client,
              { schema },
              invoiceStream('t1', id),
              'no_stream',
              [
                {
                  eventId: crypto.randomUUID(),
                  type: 'InvoiceDrafted',
                  data: {},
                  metadata: { correlationId: id, tenantId: 't1' },
                },
              ],
            )();
            if (E.isLeft(appended)) throw new Error(appended.left._tag);
            const tx = readModelTransactionWithin(client, { schema });
            await tx.apply(projection, 1, [
              { op: 'upsert', table: 'seen', row: { event_id: id, position: appended.right.lastPosition } },
            ]);
            await tx.setCheckpoint(projection, 1, appended.right.lastPosition);
            await client.query(commit ? 'COMMIT' : 'ROLLBACK');
            return appended.right.lastPosition;
          });
        await embed(false, 'rolled-back');
        const position = await embed(true, 'committed');
        const log = await events.readAll({ maxCount: 10 })();
        expect(E.isRight(log) && log.right.events.map((e) => e.globalPosition)).toEqual([position]);
        expect(
          await readModels.query(
            `SELECT event_id, position FROM ${readModels.tableName('counting', 'seen', 1)}`,
          ),
        ).toEqual([{ event_id: 'committed', position }]);
        expect(await readModels.statuses()).toEqual([
          { name: 'counting', version: 1, generation: 1, position },
        ]);
      } finally {
        await events.close();
      }
    });
  });

  describe('projection runner on PostgreSQL', () => {
    it('catches up in batches, checkpoints, and resumes where it stopped', async () => {
      const events = createMemoryEventStore();
      await seed(events, 25, 'a');
      const schema = freshSchema();
      const readModels = await open(schema);
      const runner = createProjectionRunner({ events, readModels, projections: [counting()], batchSize: 7 });
      await runner.initialise();
      expect(await runner.catchUp()).toBe(25n);
      await readModels.close();

      await seed(events, 5, 'b');
      const reopened = await open(schema);
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
        { tenant_id: 't1', events: 16n },
        { tenant_id: 't2', events: 14n },
      ]);
      expect(
        await reopened.query(`SELECT COUNT(*) AS n FROM ${reopened.tableName('counting', 'seen', 1)}`),
      ).toEqual([{ n: 30n }]);
    });

    it('rebuilds a new version beside the live one and switches over', async () => {
      const events = createMemoryEventStore();
      await seed(events, 12, 'r');
      const readModels = await open();
      const v1 = createProjectionRunner({ events, readModels, projections: [counting(1)], batchSize: 5 });
      await v1.initialise();
      await v1.catchUp();
      // A commit (and a progress report) every 5 events.
      const v2 = createProjectionRunner({
        events,
        readModels,
        projections: [counting(2)],
        batchSize: 5,
        transactionEvents: 5,
      });
      await v2.initialise(); // version changed: rebuilt into generation 2
      expect(await readModels.statuses()).toEqual([
        { name: 'counting', version: 2, generation: 2, position: 12n },
      ]);
      const progress: bigint[] = [];
      const result = await v2.rebuild('counting', (p) => progress.push(p.position));
      expect(result.position).toBe(12n);
      expect(progress.slice(0, 3)).toEqual([5n, 10n, 12n]);
      expect(progress.at(-1)).toBe(12n);
      expect(await readModels.statuses()).toEqual([
        { name: 'counting', version: 2, generation: 3, position: 12n },
      ]);
      expect(
        await readModels.query(`SELECT COUNT(*) AS n FROM ${readModels.tableName('counting', 'seen', 3)}`),
      ).toEqual([{ n: 12n }]);
      const left = await sql((c) =>
        c.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'rm_%' ORDER BY 1`,
          [readModels.schema],
        ),
      );
      expect(left.rows.map((r) => r.table_name)).toEqual([
        'rm_counting__per_tenant_g3',
        'rm_counting__seen_g3',
      ]);
    });

    it('applies a batch through applyBatch on a transaction of the store (redelivery changes nothing)', async () => {
      const events = createMemoryEventStore();
      await seed(events, 4, 'd');
      const readModels = await open();
      const projection = counting();
      await readModels.prepare(projection, 1);
      const batch = await events.readAll({ maxCount: 10 })();
      if (E.isLeft(batch)) throw new Error('read failed');
      const decoded = batch.right.events.flatMap((recorded) => {
        const projected = toProjectedEvent(recorded);
        return E.isRight(projected) && projected.right !== undefined ? [projected.right] : [];
      });
      const apply = () => readModels.transaction((tx) => applyBatch(tx, projection, 1, decoded, undefined));
      expect(await apply()).toBe(4);
      await apply();
      expect(
        await readModels.query(
          `SELECT tenant_id, events FROM ${readModels.tableName('counting', 'per_tenant', 1)} ORDER BY tenant_id`,
        ),
      ).toEqual([
        { tenant_id: 't1', events: 2n },
        { tenant_id: 't2', events: 2n },
      ]);
    });
  });
});
