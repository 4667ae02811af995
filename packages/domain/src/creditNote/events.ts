/**
 * Credit note events. THIS IS THE STORED FORMAT: events are immutable facts read back for ever, so changes are
 * additive only (new optional fields, new event types); anything else goes through an upcaster on reading.
 * Money is a decimal string in the currency's scale, as in invoice events.
 */
import * as t from 'io-ts';

import { DocumentAllowanceChargeInput, LineInput } from '../calculation/input.js';
import { CurrencyCode } from '../money/currency.js';
import { RoundingMode } from '../money/rounding.js';
import { InvoiceNumber } from '../numbering/format.js';
import { CivilDate } from '../shared/civilDate.js';
import { FrozenTotals, FrozenVatBreakdownEntry } from '../shared/frozenAmounts.js';
import { CreditNoteId, InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';

/** The itemised content of an issued credit note, whichever way it was asked for. */
export const CreditNoteContent = t.strict(
  {
    lines: t.readonlyArray(LineInput),
    allowances: t.readonlyArray(DocumentAllowanceChargeInput),
    charges: t.readonlyArray(DocumentAllowanceChargeInput),
    pricesIncludeTax: t.boolean,
    rounding: RoundingMode,
  },
  'CreditNoteContent',
);
export type CreditNoteContent = t.TypeOf<typeof CreditNoteContent>;

/**
 * A credit note was issued against `invoiceId`; its totals are frozen. `totals.payableAmount` is the amount the
 * command handler then applies to the invoice (`ApplyCreditNote`).
 */
export const CreditNoteIssued = t.strict(
  {
    type: t.literal('CreditNoteIssued'),
    data: t.strict({
      creditNoteId: CreditNoteId,
      tenantId: TenantId,
      number: InvoiceNumber,
      invoiceId: InvoiceId,
      invoiceNumber: InvoiceNumber,
      currency: CurrencyCode,
      reason: NonEmptyString,
      issueDate: CivilDate,
      content: CreditNoteContent,
      totals: FrozenTotals,
      vatBreakdown: t.readonlyArray(FrozenVatBreakdownEntry),
      issuedAt: Timestamp,
    }),
  },
  'CreditNoteIssued',
);
export type CreditNoteIssued = t.TypeOf<typeof CreditNoteIssued>;

export const CreditNoteEvent = CreditNoteIssued;
export type CreditNoteEvent = CreditNoteIssued;
