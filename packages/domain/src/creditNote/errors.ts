import type { CalculationIssue } from '../calculation/issues.js';
import type { InvoiceStatus } from '../invoice/status.js';
import type { AmountPrecisionExceeded, CurrencyMismatch } from '../money/amount.js';
import type { CreditExceedsAmountDue, NonPositiveAmount } from '../shared/amountErrors.js';
import type { CreditNoteId, InvoiceId } from '../shared/ids.js';
import type { InvoiceNumber } from '../numbering/format.js';

/** A credit note stream holds one credit note; a second issue on it is a mistake, not a retry. */
export interface CreditNoteAlreadyIssued {
  readonly _tag: 'CreditNoteAlreadyIssued';
  readonly creditNoteId: CreditNoteId;
  readonly number: InvoiceNumber;
}

/** Only approved, sent or partially paid invoices can be credited: drafts are edited, the rest are closed. */
export interface InvoiceNotCreditable {
  readonly _tag: 'InvoiceNotCreditable';
  readonly invoiceId: InvoiceId;
  readonly status: InvoiceStatus;
}

export interface CreditNoteHasNoLines {
  readonly _tag: 'CreditNoteHasNoLines';
  readonly creditNoteId: CreditNoteId;
}

export interface InvalidCreditNoteContent {
  readonly _tag: 'InvalidCreditNoteContent';
  readonly creditNoteId: CreditNoteId;
  readonly issues: ReadonlyArray<CalculationIssue>;
}

/** A credit by amount needs a VAT rate with a positive gross amount on the invoice to spread over. */
export interface NoVatBreakdownToAllocate {
  readonly _tag: 'NoVatBreakdownToAllocate';
  readonly invoiceId: InvoiceId;
}

export type CreditNoteError =
  | CreditNoteAlreadyIssued
  | InvoiceNotCreditable
  | CreditNoteHasNoLines
  | InvalidCreditNoteContent
  | NoVatBreakdownToAllocate
  | CurrencyMismatch
  | AmountPrecisionExceeded
  | NonPositiveAmount
  | CreditExceedsAmountDue;

export const creditNoteAlreadyIssued = (
  creditNoteId: CreditNoteId,
  number: InvoiceNumber,
): CreditNoteAlreadyIssued => ({ _tag: 'CreditNoteAlreadyIssued', creditNoteId, number });

export const invoiceNotCreditable = (invoiceId: InvoiceId, status: InvoiceStatus): InvoiceNotCreditable => ({
  _tag: 'InvoiceNotCreditable',
  invoiceId,
  status,
});

export const creditNoteHasNoLines = (creditNoteId: CreditNoteId): CreditNoteHasNoLines => ({
  _tag: 'CreditNoteHasNoLines',
  creditNoteId,
});

export const invalidCreditNoteContent = (
  creditNoteId: CreditNoteId,
  issues: ReadonlyArray<CalculationIssue>,
): InvalidCreditNoteContent => ({ _tag: 'InvalidCreditNoteContent', creditNoteId, issues });

export const noVatBreakdownToAllocate = (invoiceId: InvoiceId): NoVatBreakdownToAllocate => ({
  _tag: 'NoVatBreakdownToAllocate',
  invoiceId,
});
