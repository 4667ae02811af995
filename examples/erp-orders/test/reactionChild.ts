/**
 * Child process for the reaction crash test: the order service's real `InvoicePaid` reaction, subscribed under
 * its real name, printing what happens.
 *
 * - `crash`: once the reaction has applied its effect for `InvoicePaid`, prints `holding` and never returns:
 *   the parent SIGKILLs it after the effect, before the checkpoint.
 * - `run`: after the reaction handled `InvoicePaid`, stops the subscription (checkpointing it), prints
 *   `stopped` and exits.
 */
import { writeSync } from 'node:fs';

import { Pool } from 'pg';

import { createAccrue, postgresStore } from '@accrue/api/embed';

import { createOrderService } from '../src/orders.js';
import { ORDER_PAID_SUBSCRIPTION, orderPaidReaction } from '../src/reactions.js';

const [url, erpSchema, accrueSchema, readSchema, mode] = process.argv.slice(2);
if (url === undefined || erpSchema === undefined || accrueSchema === undefined || readSchema === undefined)
  throw new Error('usage: reactionChild URL ERP_SCHEMA ACCRUE_SCHEMA READ_SCHEMA crash|run');

const print = (line: string): void => {
  writeSync(1, `${line}\n`);
};

const pool = new Pool({ connectionString: url, max: 2 });
const accrue = await createAccrue({
  store: postgresStore({ connectionString: url, schema: accrueSchema, readSchema }),
  tenantId: 'erp',
});
const orders = createOrderService({ pool, accrue, schema: erpSchema });
const reaction = orderPaidReaction(orders, (event, applied) => {
  print(`applied ${event.eventId} ${String(applied)}`);
});

const subscription = accrue.subscribe(
  async (event) => {
    print(`delivered ${event.eventId} ${event.event.type}`);
    await reaction(event);
    if (event.event.type !== 'InvoicePaid') return;
    if (mode === 'crash') {
      print('holding');
      await new Promise<never>(() => undefined);
    }
    void subscription.stop().then(async () => {
      print('stopped');
      await accrue.close();
      await pool.end();
      process.exit(0);
    });
  },
  { name: ORDER_PAID_SUBSCRIPTION },
);
