import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import type { AsOf, InvoiceState } from '@accrue/domain';
import { amountDue, formatMinorUnits, invoiceAggregate, invoiceStream, stateAsOf } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { tenantOf, toJson, withRuntime } from '../runtime.js';

/**
 * `accrue show ID [--as-of TIMESTAMP | --at-position N]`: the invoice as it stood then, folded from its own
 * stream (time travel). Without an option, as it stands now.
 */
export const registerShowCommand = (program: Command, io: CliIo): void => {
  program
    .command('show')
    .description(
      'print an invoice as it stands, or as it stood at a time or log position (folded from its events)',
    )
    .argument('<id>', 'invoice id')
    .option(
      '--as-of <timestamp>',
      'ISO-8601 time, e.g. 2026-11-21T10:00:00Z: events that occurred up to then',
    )
    .option('--at-position <position>', 'global log position: events up to it')
    .option('--tenant <tenant>', 'tenant (default: ACCRUE_TENANT or dev)')
    .action(async (id: string, options: { asOf?: string; atPosition?: string; tenant?: string }) => {
      const asOf = parseAsOf(options);
      if (typeof asOf === 'string') {
        io.writeError(`accrue show: ${asOf}`);
        io.setExitCode(2);
        return;
      }
      await withRuntime(io, async ({ store }) => {
        const folded = await stateAsOf(
          store,
          invoiceAggregate,
          invoiceStream(tenantOf(io, options.tenant), id),
          asOf,
        )();
        if (E.isLeft(folded)) {
          io.writeError(`accrue show: ${folded.left._tag}`);
          io.setExitCode(1);
          return;
        }
        if (folded.right.state._tag === 'NoInvoice') {
          io.writeError(
            `accrue show: no invoice ${id}${options.asOf === undefined ? '' : ` as of ${options.asOf}`}`,
          );
          io.setExitCode(1);
          return;
        }
        io.writeLine(
          toJson({
            ...describeInvoice(folded.right.state),
            version: folded.right.version,
            position: folded.right.position,
          }),
        );
      });
    });
};

const parseAsOf = (options: { asOf?: string; atPosition?: string }): AsOf | string => {
  if (options.asOf !== undefined && options.atPosition !== undefined)
    return 'give --as-of or --at-position, not both';
  if (options.atPosition !== undefined) {
    return /^\d+$/.test(options.atPosition)
      ? { _tag: 'Position', position: BigInt(options.atPosition) }
      : '--at-position takes a whole number';
  }
  if (options.asOf !== undefined) {
    const limit = Date.parse(options.asOf);
    if (Number.isNaN(limit)) return `--as-of "${options.asOf}" is not an ISO-8601 time`;
    return { _tag: 'Time', includes: (occurredAt: string) => Date.parse(occurredAt) <= limit };
  }
  return { _tag: 'Time', includes: () => true };
};

const describeInvoice = (state: Exclude<InvoiceState, { _tag: 'NoInvoice' }>): Record<string, unknown> => {
  const { content } = state;
  const common = {
    id: state.invoiceId,
    tenant: state.tenantId,
    currency: content.currency,
    customer: content.customer,
    issue_date: content.issueDate,
    due_date: content.dueDate,
  };
  if (state._tag === 'DraftInvoice') return { ...common, status: 'draft', number: null };
  return {
    ...common,
    status: state.status,
    number: state.number,
    totals: state.totals,
    tax_breakdown: state.vatBreakdown,
    amount_paid: formatMinorUnits(state.paidAmount, state.currency),
    amount_credited: formatMinorUnits(state.creditedAmount, state.currency),
    amount_due: formatMinorUnits(amountDue(state), state.currency),
  };
};
