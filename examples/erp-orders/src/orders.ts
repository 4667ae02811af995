import { randomUUID } from 'node:crypto';

import type { Pool, PoolClient } from 'pg';
import { escapeIdentifier } from 'pg';

import type { PostgresAccrue } from '@accrue/api/embed';

/** One order line as the shop sends it: decimal strings, as Accrue takes them. */
export interface OrderLine {
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  /** VAT rate in percent, e.g. `"19"`. */
  readonly taxRate: string;
}

export interface PlaceOrder {
  /** The shop's order id (letters, digits, `_ . : -`); generated if absent. */
  readonly orderId?: string;
  readonly customer: { readonly id: string; readonly name: string };
  readonly currency: string;
  readonly lines: ReadonlyArray<OrderLine>;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  readonly total: string;
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly paidAt: Date | null;
  readonly paymentMarks: number;
}

/** The order was refused by the ERP's own rule, after Accrue priced it: nothing of it was kept. */
export class OrderRejected extends Error {
  override readonly name = 'OrderRejected';
}

export interface OrderServiceOptions {
  readonly pool: Pool;
  readonly accrue: PostgresAccrue;
  /** The schema of the `orders` table. */
  readonly schema: string;
  /**
   * Orders whose invoice total (payable, in minor units) exceeds this are refused: a rule that can only be
   * checked once Accrue has calculated the invoice, i.e. after the invoice commands ran in the transaction.
   */
  readonly maxTotalMinorUnits?: bigint;
}

export interface OrderService {
  /** Creates the order and its approved invoice in one transaction: both exist afterwards, or neither. */
  placeOrder(order: PlaceOrder): Promise<Order>;
  getOrder(id: string): Promise<Order | undefined>;
  /** Marks the order of an invoice paid, once: returns whether this call applied the effect. */
  markPaid(invoiceId: string, paidAt: string): Promise<boolean>;
}

interface OrderRow {
  readonly id: string;
  readonly customer_id: string;
  readonly currency: string;
  readonly total: string;
  readonly invoice_id: string;
  readonly invoice_number: string;
  readonly paid_at: Date | null;
  readonly payment_marks: number;
}

const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  customerId: row.customer_id,
  currency: row.currency,
  total: row.total,
  invoiceId: row.invoice_id,
  invoiceNumber: row.invoice_number,
  paidAt: row.paid_at,
  paymentMarks: row.payment_marks,
});

/** The invoice of an order: one per order, so its id derives from the order's. */
export const invoiceIdOf = (orderId: string): string => `order-${orderId}`;

export const createOrderService = (options: OrderServiceOptions): OrderService => {
  const { pool, accrue } = options;
  const orders = `${escapeIdentifier(options.schema)}.orders`;

  const inTransaction = async <A>(work: (client: PoolClient) => Promise<A>): Promise<A> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  return {
    placeOrder: (order) =>
      inTransaction(async (client) => {
        const orderId = order.orderId ?? randomUUID();
        const invoiceId = invoiceIdOf(orderId);
        // The invoice commands run on this client: their events, the number reservation and the read-model
        // updates commit or roll back with the order row below.
        const invoices = accrue.withinTransaction(client);
        await invoices.createDraft(
          {
            invoiceId,
            customer: order.customer,
            currency: order.currency,
            reference: orderId,
            lines: order.lines.map((line, index) => ({
              id: String(index + 1),
              description: line.description,
              quantity: line.quantity,
              netPrice: line.unitPrice,
              vat: { category: 'S', rate: line.taxRate },
            })),
          },
          { commandId: `${orderId}:invoice-draft`, actor: 'erp-orders' },
        );
        const approved = await invoices.approve(invoiceId, {
          commandId: `${orderId}:invoice-approve`,
          actor: 'erp-orders',
        });
        if (approved.state._tag !== 'IssuedInvoice') throw new Error(`invoice ${invoiceId} was not approved`);
        const { number, payableAmount, totals } = approved.state;
        if (options.maxTotalMinorUnits !== undefined && payableAmount > options.maxTotalMinorUnits)
          throw new OrderRejected(
            `order ${orderId}: ${totals.payableAmount} ${order.currency} is over the limit`,
          );
        const inserted = await client.query<OrderRow>(
          `INSERT INTO ${orders} (id, customer_id, customer_name, currency, total, invoice_id, invoice_number)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [
            orderId,
            order.customer.id,
            order.customer.name,
            order.currency,
            totals.payableAmount,
            invoiceId,
            number,
          ],
        );
        const row = inserted.rows[0];
        if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
        return toOrder(row);
      }),

    getOrder: async (id) => {
      const result = await pool.query<OrderRow>(`SELECT * FROM ${orders} WHERE id = $1`, [id]);
      const row = result.rows[0];
      return row === undefined ? undefined : toOrder(row);
    },

    markPaid: async (invoiceId, paidAt) => {
      // Idempotent: only an unpaid order changes, so a redelivered event applies nothing the second time.
      const result = await pool.query(
        `UPDATE ${orders} SET paid_at = $2, payment_marks = payment_marks + 1
         WHERE invoice_id = $1 AND paid_at IS NULL`,
        [invoiceId, paidAt],
      );
      return result.rowCount === 1;
    },
  };
};
