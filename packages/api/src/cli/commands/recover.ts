import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { Timestamp, recoverNumberReservations } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { toJson, withRuntime } from '../runtime.js';

/**
 * `accrue recover`: settles invoice numbers that were reserved but never used (a crash between reserving a
 * number and approving the invoice): completes the approval or annuls the number with its reason. Run it
 * while no server writes to the store, or with `--older-than` seconds to leave in-flight approvals alone.
 */
export const registerRecoverCommand = (program: Command, io: CliIo): void => {
  program
    .command('recover')
    .description(
      'complete or annul invoice numbers that were reserved but never used (prints one line per action)',
    )
    .option('--older-than <seconds>', 'only reservations at least this old', '0')
    .action(async (options: { olderThan: string }) => {
      const seconds = Number.parseInt(options.olderThan, 10);
      if (!Number.isInteger(seconds) || seconds < 0) {
        io.writeError('accrue recover: --older-than takes a whole number of seconds');
        io.setExitCode(2);
        return;
      }
      await withRuntime(io, async ({ store, clock }) => {
        const now = clock.now();
        if (!Timestamp.is(now)) throw new Error(`clock gave an invalid timestamp ${now}`);
        const cutoff = Date.parse(now) - seconds * 1000;
        const actions = await recoverNumberReservations(store, {
          now,
          isStale: (reservedAt) => Date.parse(reservedAt) <= cutoff,
          actor: 'accrue-cli',
        })();
        if (E.isLeft(actions)) {
          io.writeError(`accrue recover: ${actions.left._tag}`);
          io.setExitCode(1);
          return;
        }
        for (const action of actions.right) io.writeLine(toJson(action));
        if (actions.right.some((action) => action.outcome === 'failed')) io.setExitCode(1);
      });
    });
};
