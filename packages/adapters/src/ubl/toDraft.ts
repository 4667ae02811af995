import * as E from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import type { CreateDraftInvoice } from '@accrue/domain';
import {
  CreateDraftInvoice as CreateDraftInvoiceCodec,
  DocumentAllowanceChargeInput,
  LineInput,
} from '@accrue/domain';

import type { UblDocument, UblParty } from './document.js';

export interface DraftRequest {
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly now: string;
}

/**
 * The draft a UBL document becomes: its lines, allowances, charges, prepaid and rounding amounts as its inputs
 * (never its stated totals: approval computes those), the buyer as the customer, its dates, notes and buyer
 * reference. A CreditNote becomes a draft of document type `credit_note` in series `CN`. The result is decoded
 * with the command's own codec, so a document that cannot make a valid draft is refused with the reason.
 */
export const toCreateDraftCommand = (
  document: UblDocument,
  request: DraftRequest,
): E.Either<string, CreateDraftInvoice> => {
  const input = document.calculationInput;
  const wire = {
    type: 'CreateDraftInvoice',
    data: {
      invoiceId: request.invoiceId,
      tenantId: request.tenantId,
      now: request.now,
      series: document.kind === 'CreditNote' ? 'CN' : 'INV',
      documentType: document.kind === 'CreditNote' ? 'credit_note' : 'invoice',
      currency: input.currency,
      customer: customerOf(document.buyer),
      issueDate: document.issueDate,
      ...(document.dueDate === undefined ? {} : { dueDate: document.dueDate }),
      pricesIncludeTax: input.pricesIncludeTax ?? false,
      lines: input.lines.map((line) => LineInput.encode(line)),
      allowances: (input.allowances ?? []).map((entry) => DocumentAllowanceChargeInput.encode(entry)),
      charges: (input.charges ?? []).map((entry) => DocumentAllowanceChargeInput.encode(entry)),
      ...(input.prepaidAmount === undefined ? {} : { prepaidAmount: input.prepaidAmount.toFixed() }),
      ...(input.payableRoundingAmount === undefined
        ? {}
        : { payableRoundingAmount: input.payableRoundingAmount.toFixed() }),
      ...(document.notes.length === 0 ? {} : { notes: document.notes.join('\n') }),
      ...(document.buyerReference === undefined ? {} : { reference: document.buyerReference }),
    },
  };
  const decoded = CreateDraftInvoiceCodec.decode(wire);
  return E.isLeft(decoded)
    ? E.left(`not a valid draft: ${PathReporter.report(decoded).join('; ')}`)
    : E.right(decoded.right);
};

const customerOf = (buyer: UblParty): Record<string, unknown> => {
  const name = buyer.name?.trim() ?? '';
  const address = buyer.address;
  const hasAddress =
    address?.streetName !== undefined && address.cityName !== undefined && address.countryCode !== undefined;
  return {
    id: buyer.vatId ?? (name === '' ? 'unknown-buyer' : name),
    name: name === '' ? 'Unknown buyer' : name,
    ...(buyer.vatId === undefined ? {} : { vatNumber: buyer.vatId }),
    ...(hasAddress
      ? {
          address: {
            line1: address.streetName,
            ...(address.additionalStreetName === undefined ? {} : { line2: address.additionalStreetName }),
            city: address.cityName,
            postalCode: address.postalZone ?? '',
            country: address.countryCode,
          },
        }
      : {}),
  };
};
