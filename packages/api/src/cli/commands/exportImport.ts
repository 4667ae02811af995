import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { exportLog, importLog, validateLog } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { toJson, withRuntime } from '../runtime.js';

/**
 * `accrue export` writes the whole log as NDJSON to stdout; `accrue import` reads such a log from stdin into
 * the configured store. Import checks every line (JSON, shape, version sequence, hash chain) before writing
 * anything and refuses a bad log with the line number; it only writes into streams that do not exist yet.
 */
export const registerExportImportCommands = (program: Command, io: CliIo): void => {
  program
    .command('export')
    .description(
      'write the whole event log to stdout as NDJSON (stream, version, eventId, type, data, metadata)',
    )
    .action(async () => {
      await withRuntime(io, async ({ store }) => {
        for await (const line of exportLog(store)) {
          if (E.isLeft(line)) {
            io.writeError(`accrue export: cannot read the log: ${line.left._tag}`);
            io.setExitCode(1);
            return;
          }
          io.writeLine(line.right);
          await io.drained();
        }
      });
    });

  program
    .command('import')
    .description(
      'read an exported NDJSON log from stdin into the configured store, checking every hash first',
    )
    .action(async () => {
      const lines: string[] = [];
      for await (const line of io.readLines()) lines.push(line);
      const validated = validateLog(lines);
      if (E.isLeft(validated)) {
        io.writeError(
          `accrue import: refused, line ${validated.left.line}: ${validated.left.reason}; nothing was written`,
        );
        io.setExitCode(1);
        return;
      }
      await withRuntime(io, async ({ store }) => {
        const imported = await importLog(store, validated.right);
        if (E.isLeft(imported)) {
          const reason = imported.left._tag === 'ImportRefused' ? imported.left.reason : imported.left._tag;
          io.writeError(`accrue import: ${reason}`);
          io.setExitCode(1);
          return;
        }
        io.writeLine(toJson({ imported: imported.right.events, streams: imported.right.streams }));
      });
    });
};
