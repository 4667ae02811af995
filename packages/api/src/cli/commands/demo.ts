import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import type { CommandContext, InvoiceState } from '@accrue/domain';
import {
  ApprovalRequest,
  InvoiceCommand as InvoiceCommandCodec,
  amountDue,
  approveInvoice,
  formatMinorUnits,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
} from '@accrue/domain';

import type { Runtime } from '../../composition/container.js';
import type { CliIo } from '../io.js';
import { tenantOf, toJson, withRuntime } from '../runtime.js';

/**
 * `accrue demo`: one invoice through its whole life on the configured store (by default the embedded SQLite
 * file), printing every event as it is committed: draft, revision, approval with its gap-free number, sending,
 * a partial payment and the final one. The main job until the HTTP server lands.
 */
export const registerDemoCommand = (program: Command, io: CliIo): void => {
  program
    .command('demo')
    .description('run one invoice through its lifecycle on the configured store and print each event')
    .option('--tenant <tenant>', 'tenant (default: ACCRUE_TENANT or dev)')
    .action(async (options: { tenant?: string }) => {
      await withRuntime(io, (runtime) => runDemo(runtime, io, tenantOf(io, options.tenant)));
    });
};

class DemoFailed extends Error {}

const runDemo = async (runtime: Runtime, io: CliIo, tenantId: string): Promise<void> => {
  const invoiceId = `demo-${runtime.ids.next()}`;
  const stream = invoiceStream(tenantId, invoiceId);
  const now = runtime.clock.now();
  const address = { invoiceId, tenantId, now };
  const context = (step: string): CommandContext => ({
    tenantId,
    commandId: `${invoiceId}:${step}`,
    actor: 'accrue-demo',
    now,
  });
  const vat = { category: 'S', rate: '19' };

  const step = async (name: string, raw: unknown): Promise<InvoiceState> => {
    const result = await handleCommand(
      runtime.store,
      invoiceAggregate,
      stream,
      decode(InvoiceCommandCodec, raw),
      context(name),
    )();
    if (E.isLeft(result)) throw new DemoFailed(`${name}: ${toJson(result.left)}`);
    print(io, result.right.events);
    return result.right.state;
  };

  try {
    await step('create', {
      type: 'CreateDraftInvoice',
      data: {
        ...address,
        currency: 'EUR',
        customer: {
          id: 'cust-42',
          name: 'Acme GmbH',
          vatNumber: 'DE123456789',
          address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        },
        paymentTermsDays: 14,
        lines: [
          { id: '1', description: 'Consulting (hours)', quantity: '12.5', netPrice: '96.00', vat },
          { id: '2', description: 'Travel', quantity: '1', netPrice: '240.00', vat },
        ],
      },
    });
    await step('revise', {
      type: 'ReviseDraftInvoice',
      data: {
        ...address,
        allowances: [{ percent: '5', reason: 'Loyalty discount', vat }],
        notes: 'Thank you!',
      },
    });
    const request = decode(ApprovalRequest, address);
    const approved = await approveInvoice(runtime.approval, request, context('approve'))();
    if (E.isLeft(approved)) throw new DemoFailed(`approve: ${toJson(approved.left)}`);
    print(io, approved.right.events);
    await step('send', { type: 'SendInvoice', data: { ...address, channel: 'email' } });
    const afterFirst = await step('pay-1', {
      type: 'RecordPayment',
      data: { ...address, paymentId: 'pay-1', amount: '500.00', currency: 'EUR', paidAt: now },
    });
    if (afterFirst._tag !== 'IssuedInvoice') throw new DemoFailed('the invoice is not issued');
    const rest = formatMinorUnits(amountDue(afterFirst), afterFirst.currency);
    const paid = await step('pay-2', {
      type: 'RecordPayment',
      data: { ...address, paymentId: 'pay-2', amount: rest, currency: 'EUR', paidAt: now },
    });
    if (paid._tag !== 'IssuedInvoice') throw new DemoFailed('the invoice is not issued');
    io.writeLine(
      toJson({
        invoiceId,
        number: paid.number,
        status: paid.status,
        payable: paid.totals.payableAmount,
        amountDue: formatMinorUnits(amountDue(paid), paid.currency),
        store: runtime.config._tag,
      }),
    );
  } catch (error) {
    if (!(error instanceof DemoFailed)) throw error;
    io.writeError(`accrue demo: ${error.message}`);
    io.setExitCode(1);
  }
};

const decode = <A>(codec: { decode: (u: unknown) => E.Either<t.Errors, A> }, raw: unknown): A => {
  const decoded = codec.decode(raw);
  if (E.isLeft(decoded))
    throw new DemoFailed(`demo input does not decode: ${PathReporter.report(decoded).join('; ')}`);
  return decoded.right;
};

const print = (
  io: CliIo,
  events: ReadonlyArray<{
    readonly event: { readonly type: string; readonly data: unknown };
    readonly streamVersion: number;
  }>,
): void => {
  for (const { event, streamVersion } of events)
    io.writeLine(toJson({ version: streamVersion, type: event.type, data: event.data }));
};
