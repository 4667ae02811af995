import * as E from 'fp-ts/lib/Either.js';
import type { PoolClient } from 'pg';
import { Pool, escapeIdentifier } from 'pg';
import { afterAll, expect, it } from 'vitest';

import type { CreateDraftInput, PostgresAccrue } from '@accrue/api/embed';
import { createAccrue, isAccrueError, postgresStore, sqliteStore } from '@accrue/api/embed';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from '@accrue/adapters/postgres/testing';

/**
 * Shared transactions: an embedder's own `pg` transaction carries Accrue's events, number reservations and
 * inline read-model updates, so they commit or roll back with the embedder's rows.
 */

const postgres = await probePostgres();
const clock = { now: () => '2026-03-01T10:00:00.000Z' };

const draft = (invoiceId: string): CreateDraftInput => ({
  invoiceId,
  currency: 'EUR',
  customer: { id: 'cust-1', name: 'Buyer GmbH' },
  lines: [{ id: '1', quantity: '2', netPrice: '50.00', vat: { category: 'S', rate: '19' } }],
});

describeWithPostgres(postgres, 'embedding: shared PostgreSQL transactions', (url) => {
  const schemas: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await dropSchemas(url, schemas);
  });

  const setUp = async () => {
    const schema = uniqueTestSchema('embed_tx');
    const readSchema = `${schema}_r`;
    const erp = uniqueTestSchema('embed_erp');
    schemas.push(schema, readSchema, erp);
    const pool = new Pool({ connectionString: url, max: 10 });
    await pool.query(`CREATE SCHEMA ${escapeIdentifier(erp)}`);
    await pool.query(
      `CREATE TABLE ${escapeIdentifier(erp)}.orders (id text PRIMARY KEY, invoice_number text)`,
    );
    const accrue = await createAccrue({
      store: postgresStore({ connectionString: url, schema, readSchema }),
      clock,
    });
    cleanups.push(async () => {
      await accrue.close();
      await pool.end();
    });
    const orders = `${escapeIdentifier(erp)}.orders`;
    const invoicesTable = `${escapeIdentifier(readSchema)}.rm_invoices__invoices_g1`;
    const count = async (sql: string): Promise<number> =>
      Number((await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`)).rows[0]?.n);
    return {
      accrue,
      pool,
      orders,
      invoicesTable,
      events: () => count(`${escapeIdentifier(schema)}.events`),
      orderRows: () => count(orders),
      readModelRows: () => count(invoicesTable),
    };
  };

  /** An ERP transaction: the order row, its invoice created and approved, then `then` (which may throw). */
  const placeOrder = async (
    accrue: PostgresAccrue,
    pool: Pool,
    orders: string,
    id: string,
    then: (client: PoolClient) => Promise<void> = () => Promise.resolve(),
  ): Promise<string> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const invoices = accrue.withinTransaction(client);
      await invoices.createDraft(draft(`inv-${id}`), { commandId: `${id}:draft` });
      const approved = await invoices.approve(`inv-${id}`, { commandId: `${id}:approve` });
      const number = approved.state._tag === 'IssuedInvoice' ? approved.state.number : 'none';
      await client.query(`INSERT INTO ${orders} (id, invoice_number) VALUES ($1, $2)`, [id, number]);
      await then(client);
      await client.query('COMMIT');
      return number;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  it('commits the events and the inline read models together with the ERP rows', async () => {
    const { accrue, pool, orders, invoicesTable, events, orderRows, readModelRows } = await setUp();
    let seenFromOutside: number | undefined;
    const number = await placeOrder(accrue, pool, orders, 'o1', async (client) => {
      // Inside the transaction the read model already has the invoice; outside it does not exist yet.
      const inside = await client.query<{ status: string }>(`SELECT status FROM ${invoicesTable}`);
      expect(inside.rows).toEqual([{ status: 'approved' }]);
      seenFromOutside = await readModelRows();
    });
    expect(number).toBe('INV-2026-000001');
    expect(seenFromOutside).toBe(0);
    expect(await orderRows()).toBe(1);
    expect(await events()).toBe(3);
    // Read straight from the table, without the API's catch-up: the transaction itself wrote it.
    const rows = await pool.query<{ status: string; number: string }>(
      `SELECT status, number FROM ${invoicesTable}`,
    );
    expect(rows.rows).toEqual([{ status: 'approved', number: 'INV-2026-000001' }]);
    expect((await accrue.get('inv-o1')).status).toBe('approved');
    const history = await accrue.history('inv-o1');
    expect(history.map((entry) => entry.metadata.commandId)).toEqual(['o1:draft', 'o1:approve']);
  });

  it('rolls back the order, the invoice events, the number and the read models when the ERP fails after the command', async () => {
    const { accrue, pool, orders, events, orderRows, readModelRows } = await setUp();
    const failed = await placeOrder(accrue, pool, orders, 'o1', () =>
      Promise.reject(new Error('stock check failed')),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toEqual(new Error('stock check failed'));
    expect(await orderRows()).toBe(0);
    expect(await events()).toBe(0);
    expect(await readModelRows()).toBe(0);
    const history = await accrue.fp.history('inv-o1')();
    expect(E.isLeft(history) && history.left._tag).toBe('InvoiceNotFound');
    // The same command ids retried after the rollback: nothing remembers them, and the number is the first.
    expect(await placeOrder(accrue, pool, orders, 'o1')).toBe('INV-2026-000001');
    expect(await events()).toBe(3);
  });

  it('keeps numbers gap-free across concurrent transactions, rollbacks and non-transactional approvals', async () => {
    const { accrue, pool, orders, invoicesTable, orderRows } = await setUp();
    for (let i = 0; i < 4; i++) await accrue.createDraft(draft(`plain-${String(i)}`));
    const work = [
      ...Array.from({ length: 16 }, (_, i) =>
        placeOrder(accrue, pool, orders, `c${String(i)}`, (client) =>
          i % 4 === 3 ? client.query('SELECT 1/0').then(() => undefined) : Promise.resolve(),
        ).then(
          (number) => ({ ok: true as const, number }),
          () => ({ ok: false as const }),
        ),
      ),
      // Approvals outside any transaction, through the store's own group commit, into the same series.
      ...Array.from({ length: 4 }, (_, i) =>
        accrue.approve(`plain-${String(i)}`).then((result) => ({
          ok: true as const,
          number: result.state._tag === 'IssuedInvoice' ? result.state.number : 'none',
        })),
      ),
    ];
    const outcomes = await Promise.all(work);
    const numbers = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.number] : [])).sort();
    expect(outcomes.filter((outcome) => !outcome.ok)).toHaveLength(4);
    expect(numbers).toEqual(
      Array.from({ length: 16 }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`),
    );
    expect(await orderRows()).toBe(12);
    const register = await accrue.numberRegister({ series: 'INV', year: 2026 });
    expect(register.map((entry) => [entry.number, entry.status])).toEqual(numbers.map((n) => [n, 'issued']));
    const approvedRows = await pool.query(`SELECT 1 FROM ${invoicesTable} WHERE status = 'approved'`);
    expect(approvedRows.rowCount).toBe(16);
  });

  it('refuses a client outside a transaction or not READ COMMITTED, and writes nothing', async () => {
    const { accrue, pool, events } = await setUp();
    const client = await pool.connect();
    try {
      const outside = await accrue.withinTransaction(client).fp.createDraft(draft('x'))();
      expect(E.isLeft(outside) && outside.left).toMatchObject({
        _tag: 'StoreUnavailable',
        operation: 'transaction',
      });
      expect(E.isLeft(outside) && 'message' in outside.left && outside.left.message).toMatch(/BEGIN/);

      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const repeatable = await accrue
        .withinTransaction(client)
        .createDraft(draft('x'))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isAccrueError(repeatable) && repeatable.message).toMatch(/READ COMMITTED/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await events()).toBe(0);
  });

  it('is only offered on PostgreSQL: a SQLite Accrue has no withinTransaction', async () => {
    const accrue = await createAccrue({ store: sqliteStore(':memory:'), clock });
    try {
      expect('withinTransaction' in accrue).toBe(false);
    } finally {
      await accrue.close();
    }
  });
});
