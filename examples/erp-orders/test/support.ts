import { Pool, escapeIdentifier } from 'pg';

import type { PostgresAccrue } from '@accrue/api/embed';
import { createAccrue, postgresStore } from '@accrue/api/embed';
import { uniqueTestSchema } from '@accrue/adapters/postgres/testing';

import type { OrderService } from '../src/orders.js';
import { createOrderService } from '../src/orders.js';
import { ensureOrdersTable } from '../src/schema.js';

/** Invoices dated in 2026, whatever today is, so numbers read INV-2026-…. */
export const clock = { now: () => '2026-03-01T10:00:00.000Z' };

export interface ErpFixture {
  readonly pool: Pool;
  readonly accrue: PostgresAccrue;
  readonly orders: OrderService;
  readonly schemas: { readonly erp: string; readonly accrue: string; readonly read: string };
  readonly close: () => Promise<void>;
}

/** The order service on fresh schemas of the test database. */
export const openErp = async (
  url: string,
  options: { readonly maxTotalMinorUnits?: bigint; readonly schemas?: ErpFixture['schemas'] } = {},
): Promise<ErpFixture> => {
  const accrueSchema = uniqueTestSchema('erp_accrue');
  const schemas = options.schemas ?? {
    erp: uniqueTestSchema('erp'),
    accrue: accrueSchema,
    read: `${accrueSchema}_r`,
  };
  const pool = new Pool({ connectionString: url, max: 12 });
  await ensureOrdersTable(pool, schemas.erp);
  const accrue = await createAccrue({
    store: postgresStore({ connectionString: url, schema: schemas.accrue, readSchema: schemas.read }),
    clock,
    tenantId: 'erp',
  });
  const orders = createOrderService({
    pool,
    accrue,
    schema: schemas.erp,
    ...(options.maxTotalMinorUnits === undefined ? {} : { maxTotalMinorUnits: options.maxTotalMinorUnits }),
  });
  return {
    pool,
    accrue,
    orders,
    schemas,
    close: async () => {
      await accrue.close();
      await pool.end();
    },
  };
};

/** A shop order; `quantity` × 10.00 EUR + 19 % VAT. */
export const orderBody = (orderId: string, quantity: number) => ({
  order_id: orderId,
  customer: { id: 'cust-1', name: 'Buyer GmbH' },
  currency: 'EUR',
  lines: [{ description: 'Widget', quantity: String(quantity), unit_price: '10.00', tax_rate: '19' }],
});

/** How many events the Accrue log holds (to prove a rolled-back order left none). */
export const countEvents = async (pool: Pool, accrueSchema: string): Promise<number> => {
  const result = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${escapeIdentifier(accrueSchema)}.events`,
  );
  return Number(result.rows[0]?.n ?? '0');
};
