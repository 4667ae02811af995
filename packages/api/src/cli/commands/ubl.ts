import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';

import { SELLER_ENV, exportDocument, sellerFromEnv } from '../../composition/ublExport.js';
import type { CliIo } from '../io.js';
import { tenantOf, withRuntime } from '../runtime.js';

/**
 * `accrue ubl ID`: the invoice (draft or issued) or issued credit note as UBL 2.1, Peppol BIS Billing 3.0, on
 * stdout. The seller comes from `ACCRUE_SELLER_*`. Exit 1 for an unknown id or a document that cannot be
 * written (a 3-decimal currency, a missing mandatory term…), 2 for missing configuration.
 */
export const registerUblCommand = (program: Command, io: CliIo): void => {
  program
    .command('ubl')
    .description(
      `print an invoice or credit note as UBL 2.1 XML (Peppol BIS Billing 3.0); the seller comes from ${SELLER_ENV.name}, ${SELLER_ENV.country}, ${SELLER_ENV.vatId}, ${SELLER_ENV.street}, ${SELLER_ENV.city}, ${SELLER_ENV.postalCode}, ${SELLER_ENV.legalId}, ${SELLER_ENV.endpoint}`,
    )
    .argument('<id>', 'invoice id, or credit note id')
    .option('--tenant <tenant>', 'tenant (default: ACCRUE_TENANT or dev)')
    .action(async (id: string, options: { tenant?: string }) => {
      const seller = sellerFromEnv(io.env);
      if (E.isLeft(seller)) {
        io.writeError(`accrue ubl: ${seller.left}`);
        io.setExitCode(2);
        return;
      }
      const tenantId = tenantOf(io, options.tenant);
      await withRuntime(io, async ({ store }) => {
        const written = await exportDocument(store, tenantId, id, seller.right);
        if (E.isLeft(written)) {
          io.writeError(`accrue ubl: ${written.left.message}`);
          io.setExitCode(1);
          return;
        }
        io.writeLine(written.right);
      });
    });
};
