import { Command } from 'commander';

import { registerDemoCommand } from './commands/demo.js';
import { registerExportImportCommands } from './commands/exportImport.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerImportUblCommand } from './commands/importUbl.js';
import { registerRebuildCommand } from './commands/rebuild.js';
import { registerRecoverCommand } from './commands/recover.js';
import { registerShowCommand } from './commands/show.js';
import { registerTotalsCommand } from './commands/totals.js';
import { registerUblCommand } from './commands/ubl.js';
import { registerVerifyCommand } from './commands/verify.js';
import type { CliIo } from './io.js';

/**
 * The `accrue` command line. Each command lives in its own module under `commands/` and is registered
 * here, so adding one is one import and one call.
 */
export const createProgram = (io: CliIo): Command => {
  const program = new Command('accrue')
    .description('Accrue: event-sourced invoicing — totals, audit and replay')
    .showHelpAfterError();
  registerTotalsCommand(program, io);
  registerImportUblCommand(program, io);
  registerHistoryCommand(program, io);
  registerShowCommand(program, io);
  registerUblCommand(program, io);
  registerVerifyCommand(program, io);
  registerExportImportCommands(program, io);
  registerRecoverCommand(program, io);
  registerRebuildCommand(program, io);
  registerDemoCommand(program, io);
  return program;
};
