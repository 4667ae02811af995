/**
 * The order service: `DATABASE_URL` (its own PostgreSQL database, shared with Accrue), `PORT` (default 3000).
 * Accrue's log lives in schema `accrue`, its read models in `accrue_read`, the orders in `erp`.
 */
import { Pool } from 'pg';

import { createAccrue, postgresStore } from '@accrue/api/embed';

import { buildHttp } from './http.js';
import { createOrderService } from './orders.js';
import { ORDER_PAID_SUBSCRIPTION, orderPaidReaction } from './reactions.js';
import { ensureOrdersTable } from './schema.js';

const connectionString = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/erp';
const schema = process.env['ERP_SCHEMA'] ?? 'erp';
const accrueSchema = process.env['ACCRUE_SCHEMA'] ?? 'accrue';

const pool = new Pool({ connectionString, max: 10 });
await ensureOrdersTable(pool, schema);
const accrue = await createAccrue({
  store: postgresStore({ connectionString, schema: accrueSchema, readSchema: `${accrueSchema}_read` }),
  tenantId: 'erp',
  actor: 'erp-orders',
});
const orders = createOrderService({ pool, accrue, schema });
const app = buildHttp(orders, accrue);

let stopping: Promise<void> | undefined;
const shutdown = (): Promise<void> =>
  (stopping ??= (async () => {
    await app.close();
    await accrue.close();
    await pool.end();
  })());
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

// Resumes after its checkpoint: events paid while the service was down are handled now.
const reaction = accrue.subscribe(orderPaidReaction(orders), { name: ORDER_PAID_SUBSCRIPTION });
reaction.closed.catch(async (error: unknown) => {
  // Stop rather than run without the reaction: restarted, it resumes at the event that failed.
  process.stderr.write(`erp-orders: the order-paid reaction stopped: ${String(error)}\n`);
  process.exitCode = 1;
  await shutdown();
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? '3000') });
process.stdout.write(`erp-orders listening on ${address}\n`);
