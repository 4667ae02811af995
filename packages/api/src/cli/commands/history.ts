import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { invoiceStream } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { tenantOf, toJson, withRuntime } from '../runtime.js';

/** `accrue history ID`: the invoice's events, oldest first, one JSON object per line. */
export const registerHistoryCommand = (program: Command, io: CliIo): void => {
  program
    .command('history')
    .description("print an invoice's events (its audit trail), one JSON object per line")
    .argument('<id>', 'invoice id')
    .option('--tenant <tenant>', 'tenant (default: ACCRUE_TENANT or dev)')
    .action(async (id: string, options: { tenant?: string }) => {
      await withRuntime(io, async ({ store }) => {
        const read = await store.readStream(invoiceStream(tenantOf(io, options.tenant), id))();
        if (E.isLeft(read)) {
          io.writeError(
            `accrue history: ${read.left._tag}: ${'message' in read.left ? read.left.message : read.left.reason}`,
          );
          io.setExitCode(1);
          return;
        }
        if (read.right.length === 0) {
          io.writeError(`accrue history: no invoice ${id}`);
          io.setExitCode(1);
          return;
        }
        for (const event of read.right) {
          io.writeLine(
            toJson({
              version: event.streamVersion,
              position: event.globalPosition,
              eventId: event.eventId,
              type: event.type,
              data: event.data,
              metadata: event.metadata,
            }),
          );
        }
      });
    });
};
