/**
 * Child process for the subscription kill test: an embedded Accrue on PostgreSQL with one subscription whose
 * handler prints `delivered <eventId> <position> <type>` for every event.
 *
 * - `hold`: on `InvoicePaid`, prints `holding <eventId>` and never returns, so the parent can SIGKILL it
 *   between the delivery and the checkpoint.
 * - `run`: after handling `InvoicePaid`, stops the subscription (which checkpoints it first), prints
 *   `stopped <position>` and exits.
 */
import { writeSync } from 'node:fs';

import { createAccrue, postgresStore } from '@accrue/api/embed';

const [url, schema, readSchema, name, mode] = process.argv.slice(2);
if (url === undefined || schema === undefined || readSchema === undefined || name === undefined)
  throw new Error('usage: subscriberChild URL SCHEMA READ_SCHEMA NAME hold|run');

const print = (line: string): void => {
  writeSync(1, `${line}\n`);
};

const accrue = await createAccrue({ store: postgresStore({ connectionString: url, schema, readSchema }) });
const subscription = accrue.subscribe(
  async (event) => {
    print(`delivered ${event.eventId} ${String(event.globalPosition)} ${event.event.type}`);
    if (event.event.type !== 'InvoicePaid') return;
    if (mode === 'hold') {
      print(`holding ${event.eventId}`);
      await new Promise<never>(() => undefined);
    }
    void subscription.stop().then(async () => {
      print(`stopped ${String(subscription.position())}`);
      await accrue.close();
      process.exit(0);
    });
  },
  { name },
);
print('subscribed');
