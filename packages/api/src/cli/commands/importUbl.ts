import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { describeUblReadError, readUbl, toCreateDraftCommand } from '@accrue/adapters/ubl';
import { handleCommand, invoiceAggregate, invoiceStream, uuidV5 } from '@accrue/domain';

import type { CliIo } from '../io.js';
import { describe, tenantOf, withRuntime } from '../runtime.js';

/**
 * `accrue import-ubl FILE…`: one draft per UBL Invoice or CreditNote, id printed per line. The id derives
 * from the file's content, so importing the same file again returns the same draft instead of a copy.
 */
export const registerImportUblCommand = (program: Command, io: CliIo): void => {
  program
    .command('import-ubl')
    .description('create one draft (invoice or credit note) per UBL 2.1 document; prints each id')
    .argument('<files...>', 'UBL 2.1 Invoice or CreditNote XML files')
    .option('--tenant <tenant>', 'tenant (default: ACCRUE_TENANT or dev)')
    .action(async (files: string[], options: { tenant?: string }) => {
      const tenantId = tenantOf(io, options.tenant);
      await withRuntime(io, async ({ store, clock }) => {
        let failed = false;
        for (const file of files) {
          const outcome = await importOne(file, tenantId, clock.now(), store);
          if (E.isLeft(outcome)) {
            failed = true;
            io.writeError(`accrue import-ubl: ${file}: ${outcome.left}`);
          } else {
            io.writeLine(outcome.right);
          }
        }
        if (failed) io.setExitCode(1);
      });
    });
};

const importOne = async (
  file: string,
  tenantId: string,
  now: string,
  store: Parameters<typeof handleCommand>[0],
): Promise<E.Either<string, string>> => {
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (error) {
    return E.left(`cannot read file: ${describe(error)}`);
  }
  const document = readUbl(xml);
  if (E.isLeft(document)) return E.left(describeUblReadError(document.left));
  const invoiceId = uuidV5(`ubl-import:${createHash('sha256').update(xml).digest('hex')}`);
  const command = toCreateDraftCommand(document.right, { tenantId, invoiceId, now });
  if (E.isLeft(command)) return command;
  const handled = await handleCommand(
    store,
    invoiceAggregate,
    invoiceStream(tenantId, invoiceId),
    command.right,
    {
      tenantId,
      commandId: `import-ubl:${invoiceId}`,
      actor: 'accrue-cli',
      now,
    },
  )();
  if (E.isLeft(handled)) {
    return E.left(handled.left._tag === 'CommandRejected' ? handled.left.error._tag : handled.left._tag);
  }
  return E.right(invoiceId);
};
