import { Command } from 'commander';

import { registerTotalsCommand } from './commands/totals.js';
import type { CliIo } from './io.js';

/**
 * The `accrue` command line. Each command lives in its own module under `commands/` and is registered
 * here, so adding one is one import and one call.
 */
export const createProgram = (io: CliIo): Command => {
  const program = new Command('accrue')
    .description('Accrue: exact EN 16931 invoice totals')
    .showHelpAfterError();
  registerTotalsCommand(program, io);
  return program;
};
