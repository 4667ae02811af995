import type { AccrueEvent, EventHandler } from '@accrue/api/embed';

import type { OrderService } from './orders.js';

/** The subscription name: its checkpoint is kept under it, so a restart resumes where this left off. */
export const ORDER_PAID_SUBSCRIPTION = 'erp-orders:order-paid';

/**
 * `InvoicePaid` → mark the order paid. Delivery is at least once (a crash after the update but before the
 * checkpoint delivers the event again), so the effect is idempotent: `markPaid` only changes an unpaid order.
 */
export const orderPaidReaction =
  (orders: OrderService, onApplied?: (event: AccrueEvent, applied: boolean) => void): EventHandler =>
  async (event) => {
    if (event.event.type !== 'InvoicePaid') return;
    const applied = await orders.markPaid(event.event.data.invoiceId, event.event.data.settledAt);
    onApplied?.(event, applied);
  };
