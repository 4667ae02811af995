/**
 * Child process for the crash test: writes invoices to a SQLite store as fast as it can (8 in flight), and
 * prints `ack <commandId> <events>` on stdout once each command is acknowledged (committed). The parent
 * kills it with SIGKILL at a random moment.
 */
import { writeSync } from 'node:fs';

import * as E from 'fp-ts/lib/Either.js';

import { createSqliteEventStore } from '@accrue/adapters/sqlite';
import type { CommandContext } from '@accrue/domain';
import {
  ApprovalRequest,
  CreateDraftInvoice,
  RecordPayment,
  approveInvoice,
  createKeyedMutex,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
} from '@accrue/domain';

const [path, prefix] = process.argv.slice(2);
if (path === undefined || prefix === undefined) throw new Error('usage: crashWriter PATH PREFIX');

const store = createSqliteEventStore({ path });
const deps = { store, seriesLocks: createKeyedMutex() };
const now = '2026-11-21T10:00:00Z';
const tenantId = 'crash';

const decode = <A>(codec: { decode: (u: unknown) => E.Either<unknown, A> }, value: unknown): A => {
  const decoded = codec.decode(value);
  if (E.isLeft(decoded)) throw new Error('bad command');
  return decoded.right;
};
const ack = (commandId: string, events: number): void => {
  writeSync(1, `ack ${commandId} ${events}\n`);
};
const context = (commandId: string): CommandContext => ({ tenantId, commandId, actor: 'crash-test', now });

const lifecycle = async (n: number): Promise<void> => {
  const invoiceId = `${prefix}-${n}`;
  const stream = invoiceStream(tenantId, invoiceId);
  const address = { invoiceId, tenantId, now };
  const created = await handleCommand(
    store,
    invoiceAggregate,
    stream,
    decode(CreateDraftInvoice, {
      type: 'CreateDraftInvoice',
      data: {
        ...address,
        currency: 'EUR',
        customer: { id: 'c', name: 'Crash Test Ltd' },
        lines: [{ id: '1', quantity: '1', netPrice: '10.00', vat: { category: 'S', rate: '20' } }],
      },
    }),
    context(`${invoiceId}:create`),
  )();
  if (E.isLeft(created)) throw new Error(`create failed: ${created.left._tag}`);
  ack(`${invoiceId}:create`, created.right.events.length);
  const approved = await approveInvoice(
    deps,
    decode(ApprovalRequest, address),
    context(`${invoiceId}:approve`),
  )();
  if (E.isLeft(approved)) throw new Error(`approve failed: ${approved.left._tag}`);
  ack(`${invoiceId}:approve`, approved.right.events.length);
  const paid = await handleCommand(
    store,
    invoiceAggregate,
    stream,
    decode(RecordPayment, {
      type: 'RecordPayment',
      data: { ...address, paymentId: 'p', amount: '12.00', currency: 'EUR', paidAt: now },
    }),
    context(`${invoiceId}:pay`),
  )();
  if (E.isLeft(paid)) throw new Error(`pay failed: ${paid.left._tag}`);
  ack(`${invoiceId}:pay`, paid.right.events.length);
};

let next = 0;
const worker = async (): Promise<void> => {
  for (;;) await lifecycle(next++);
};
await Promise.all(Array.from({ length: 8 }, worker));
