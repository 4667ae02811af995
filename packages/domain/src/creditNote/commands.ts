import * as t from 'io-ts';

import { DocumentAllowanceChargeInput, LineInput } from '../calculation/input.js';
import { InvoiceStatus } from '../invoice/status.js';
import { CurrencyCode } from '../money/currency.js';
import { DecimalFromString } from '../money/decimal.js';
import { RoundingMode } from '../money/rounding.js';
import { InvoiceNumber } from '../numbering/format.js';
import { FrozenVatBreakdownEntry } from '../shared/frozenAmounts.js';
import { CreditNoteId, InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';

/**
 * What the credit note decider needs to know about the invoice it credits. The command handler fills it from
 * the invoice stream (status, amount due, and the VAT breakdown frozen at approval): the credit note aggregate
 * never reads another stream itself.
 */
export const CreditedInvoice = t.strict(
  {
    invoiceId: InvoiceId,
    number: InvoiceNumber,
    status: InvoiceStatus,
    currency: CurrencyCode,
    amountDue: DecimalFromString,
    vatBreakdown: t.readonlyArray(FrozenVatBreakdownEntry),
  },
  'CreditedInvoice',
);
export type CreditedInvoice = t.TypeOf<typeof CreditedInvoice>;

/** A credit note itemised like an invoice: its own lines, allowances and charges (positive amounts). */
export const CreditNoteLines = t.intersection(
  [
    t.strict({ lines: t.readonlyArray(LineInput) }),
    t.partial({
      allowances: t.readonlyArray(DocumentAllowanceChargeInput),
      charges: t.readonlyArray(DocumentAllowanceChargeInput),
      pricesIncludeTax: t.boolean,
    }),
  ],
  'CreditNoteLines',
);
export type CreditNoteLines = t.TypeOf<typeof CreditNoteLines>;

/**
 * A credit note for a gross amount (VAT included), spread over the invoice's VAT rates in proportion to their
 * gross amounts, so the credit reverses VAT the way the invoice charged it.
 */
export const CreditNoteAmount = t.strict({ amount: DecimalFromString }, 'CreditNoteAmount');
export type CreditNoteAmount = t.TypeOf<typeof CreditNoteAmount>;

const CreditNoteContentUnion = t.union([CreditNoteAmount, CreditNoteLines]);

/** Lines or an amount, never both: a credit note whose lines would silently be dropped is refused. */
export const CreditNoteRequest = new t.Type<
  t.TypeOf<typeof CreditNoteContentUnion>,
  t.OutputOf<typeof CreditNoteContentUnion>,
  unknown
>(
  'CreditNoteRequest',
  CreditNoteContentUnion.is,
  (u, context) =>
    typeof u === 'object' && u !== null && 'amount' in u && 'lines' in u
      ? t.failure(u, context, 'a credit note has either lines or an amount, not both')
      : CreditNoteContentUnion.validate(u, context),
  CreditNoteContentUnion.encode,
);
export type CreditNoteRequest = t.TypeOf<typeof CreditNoteRequest>;

/** Issues a credit note against an approved invoice. */
export const IssueCreditNote = t.strict(
  {
    type: t.literal('IssueCreditNote'),
    data: t.intersection([
      t.strict({
        creditNoteId: CreditNoteId,
        tenantId: TenantId,
        now: Timestamp,
        number: InvoiceNumber,
        currency: CurrencyCode,
        invoice: CreditedInvoice,
        reason: NonEmptyString,
        content: CreditNoteRequest,
      }),
      t.partial({ rounding: RoundingMode }),
    ]),
  },
  'IssueCreditNote',
);
export type IssueCreditNote = t.TypeOf<typeof IssueCreditNote>;

export const CreditNoteCommand = IssueCreditNote;
export type CreditNoteCommand = IssueCreditNote;
