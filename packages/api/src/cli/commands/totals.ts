import { readFile } from 'node:fs/promises';

import type { RoundingMode } from '@accrue/domain';
import { DEFAULT_ROUNDING_MODE, RoundingMode as RoundingModeCodec } from '@accrue/domain';
import type { Command } from 'commander';
import { Option } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import type { CliIo } from '../io.js';
import type { TotalsOutcome } from './totalsReport.js';
import { formatTotalsOutcome, totalsFromUbl } from './totalsReport.js';

interface TotalsOptions {
  readonly ubl: ReadonlyArray<string>;
  readonly rounding: RoundingMode;
}

const readOutcome = async (file: string, rounding: RoundingMode): Promise<TotalsOutcome> => {
  try {
    return totalsFromUbl(file, await readFile(file, 'utf8'), rounding);
  } catch (cause) {
    return E.left({
      file,
      error: `cannot read file: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
  }
};

/**
 * `accrue totals --ubl FILE…`: recomputes each UBL document from its inputs and prints one JSON object per
 * file (JSON Lines), in argument order. A file that fails prints `{file, error}` and the others still run;
 * the exit code is 1 if any failed.
 */
export const registerTotalsCommand = (program: Command, io: CliIo): void => {
  program
    .command('totals')
    .description(
      'recompute EN 16931 totals of UBL 2.1 invoices and credit notes, and compare them with the stated ones',
    )
    .requiredOption('--ubl <files...>', 'UBL 2.1 Invoice or CreditNote XML files')
    .addOption(
      new Option('--rounding <mode>', 'rounding mode at every rounding point')
        .choices(Object.keys(RoundingModeCodec.keys))
        .default(DEFAULT_ROUNDING_MODE),
    )
    .action(async (options: TotalsOptions) => {
      let failed = false;
      // One file at a time keeps the output in argument order and memory flat on large batches.
      for (const file of options.ubl) {
        const outcome = await readOutcome(file, options.rounding);
        if (E.isLeft(outcome)) failed = true;
        io.writeLine(formatTotalsOutcome(outcome));
      }
      if (failed) io.setExitCode(1);
    });
};
