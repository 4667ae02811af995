import type { Pool } from 'pg';
import { escapeIdentifier } from 'pg';

/**
 * The order service's own table, in its own schema. `invoice_id` and `invoice_number` are filled in the same
 * transaction that creates and approves the invoice, so an order never exists without its invoice.
 * `payment_marks` counts how many times the "order paid" effect was applied: the reaction is idempotent, so it
 * never goes above 1 even when an event is delivered again after a crash.
 */
export const ensureOrdersTable = async (pool: Pool, schema: string): Promise<void> => {
  const name = escapeIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Concurrent starts of the service would race on the catalog without it.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`erp-orders:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${name}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${name}.orders (
      id text PRIMARY KEY,
      customer_id text NOT NULL,
      customer_name text NOT NULL,
      currency text NOT NULL,
      total text NOT NULL,
      invoice_id text NOT NULL UNIQUE,
      invoice_number text NOT NULL UNIQUE,
      placed_at timestamptz NOT NULL DEFAULT now(),
      paid_at timestamptz,
      payment_marks integer NOT NULL DEFAULT 0
    )`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
};
