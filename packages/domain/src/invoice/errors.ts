import type { CalculationIssue } from '../calculation/issues.js';
import type { AmountPrecisionExceeded, CurrencyMismatch } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import type { Counter, InvoiceNumber, Series, Year } from '../numbering/format.js';
import type { CreditExceedsAmountDue, NonPositiveAmount } from '../shared/amountErrors.js';
import type { DecimalString } from '../shared/frozenAmounts.js';
import type { CreditNoteId, InvoiceId, PaymentId } from '../shared/ids.js';
import type { DeliveryChannel } from './channel.js';
import type { InvoiceCommandType } from './commands.js';
import type { InvalidDueDate } from './content.js';
import type { InvoiceStatus } from './status.js';

/**
 * Why an invoice command was refused. Each names the rule it would break; none carries an HTTP status (the
 * API maps tags to statuses, exhaustively).
 */

/** No such invoice for this tenant (another tenant's invoice is reported the same way, revealing nothing). */
export interface InvoiceNotFound {
  readonly _tag: 'InvoiceNotFound';
  readonly invoiceId: InvoiceId;
}

export interface InvoiceAlreadyExists {
  readonly _tag: 'InvoiceAlreadyExists';
  readonly invoiceId: InvoiceId;
}

/** Content can only change while the invoice is a draft; afterwards corrections are credit notes. */
export interface InvoiceNotDraft {
  readonly _tag: 'InvoiceNotDraft';
  readonly invoiceId: InvoiceId;
  readonly status: InvoiceStatus;
}

/** Approved already, under another number: the command handler should annul the number it just reserved. */
export interface InvoiceAlreadyApproved {
  readonly _tag: 'InvoiceAlreadyApproved';
  readonly invoiceId: InvoiceId;
  readonly number: InvoiceNumber;
}

export interface InvoiceHasNoLines {
  readonly _tag: 'InvoiceHasNoLines';
  readonly invoiceId: InvoiceId;
}

/** The draft does not calculate (every issue, with its path into the content). */
export interface InvalidInvoiceContent {
  readonly _tag: 'InvalidInvoiceContent';
  readonly invoiceId: InvoiceId;
  readonly issues: ReadonlyArray<CalculationIssue>;
}

/** An invoice that would have the seller owe the buyer is a credit note, not an invoice. */
export interface NegativePayableAmount {
  readonly _tag: 'NegativePayableAmount';
  readonly invoiceId: InvoiceId;
  readonly payableAmount: DecimalString;
  readonly currency: CurrencyCode;
}

/** The number to approve with is not the counter of the draft's series in its issue year. */
export interface InvoiceNumberMismatch {
  readonly _tag: 'InvoiceNumberMismatch';
  readonly invoiceId: InvoiceId;
  readonly number: InvoiceNumber;
  readonly counter: Counter;
  readonly expectedSeries: Series;
  readonly expectedYear: Year;
}

/** The command does not apply in the invoice's current status. */
export interface InvalidTransition {
  readonly _tag: 'InvalidTransition';
  readonly invoiceId: InvoiceId;
  readonly from: InvoiceStatus;
  readonly command: InvoiceCommandType;
}

/** Delivery is confirmed only on a channel the invoice was sent on. */
export interface InvoiceNotSentOnChannel {
  readonly _tag: 'InvoiceNotSentOnChannel';
  readonly invoiceId: InvoiceId;
  readonly channel: DeliveryChannel;
}

/** A payment larger than the amount due; refunds of overpayments are outside the invoice. */
export interface Overpayment {
  readonly _tag: 'Overpayment';
  readonly invoiceId: InvoiceId;
  readonly amount: DecimalString;
  readonly amountDue: DecimalString;
  readonly currency: CurrencyCode;
}

/** Voiding is for invoices nobody acted on; once paid or credited in part, corrections are credit notes. */
export interface InvoiceHasPaymentsOrCredits {
  readonly _tag: 'InvoiceHasPaymentsOrCredits';
  readonly invoiceId: InvoiceId;
  readonly paidAmount: DecimalString;
  readonly creditedAmount: DecimalString;
  readonly currency: CurrencyCode;
}

/** There is nothing left to write off. */
export interface NothingDue {
  readonly _tag: 'NothingDue';
  readonly invoiceId: InvoiceId;
}

/** A payment id seen before, now with another amount or currency: the same id cannot name two payments. */
export interface PaymentIdReused {
  readonly _tag: 'PaymentIdReused';
  readonly invoiceId: InvoiceId;
  readonly paymentId: PaymentId;
}

/** A credit note applied before, now with another amount. */
export interface CreditNoteIdReused {
  readonly _tag: 'CreditNoteIdReused';
  readonly invoiceId: InvoiceId;
  readonly creditNoteId: CreditNoteId;
}

export type InvoiceError =
  | InvoiceNotFound
  | InvoiceAlreadyExists
  | InvoiceNotDraft
  | InvoiceAlreadyApproved
  | InvoiceHasNoLines
  | InvalidInvoiceContent
  | NegativePayableAmount
  | InvoiceNumberMismatch
  | InvalidDueDate
  | InvalidTransition
  | InvoiceNotSentOnChannel
  | CurrencyMismatch
  | AmountPrecisionExceeded
  | NonPositiveAmount
  | Overpayment
  | CreditExceedsAmountDue
  | InvoiceHasPaymentsOrCredits
  | NothingDue
  | PaymentIdReused
  | CreditNoteIdReused;

export const invoiceNotFound = (invoiceId: InvoiceId): InvoiceNotFound => ({
  _tag: 'InvoiceNotFound',
  invoiceId,
});

export const invoiceAlreadyExists = (invoiceId: InvoiceId): InvoiceAlreadyExists => ({
  _tag: 'InvoiceAlreadyExists',
  invoiceId,
});

export const invoiceNotDraft = (invoiceId: InvoiceId, status: InvoiceStatus): InvoiceNotDraft => ({
  _tag: 'InvoiceNotDraft',
  invoiceId,
  status,
});

export const invoiceAlreadyApproved = (
  invoiceId: InvoiceId,
  number: InvoiceNumber,
): InvoiceAlreadyApproved => ({
  _tag: 'InvoiceAlreadyApproved',
  invoiceId,
  number,
});

export const invoiceHasNoLines = (invoiceId: InvoiceId): InvoiceHasNoLines => ({
  _tag: 'InvoiceHasNoLines',
  invoiceId,
});

export const invalidInvoiceContent = (
  invoiceId: InvoiceId,
  issues: ReadonlyArray<CalculationIssue>,
): InvalidInvoiceContent => ({ _tag: 'InvalidInvoiceContent', invoiceId, issues });

export const negativePayableAmount = (
  invoiceId: InvoiceId,
  payableAmount: DecimalString,
  currency: CurrencyCode,
): NegativePayableAmount => ({ _tag: 'NegativePayableAmount', invoiceId, payableAmount, currency });

export const invoiceNumberMismatch = (
  invoiceId: InvoiceId,
  number: InvoiceNumber,
  counter: Counter,
  expectedSeries: Series,
  expectedYear: Year,
): InvoiceNumberMismatch => ({
  _tag: 'InvoiceNumberMismatch',
  invoiceId,
  number,
  counter,
  expectedSeries,
  expectedYear,
});

export const invalidTransition = (
  invoiceId: InvoiceId,
  from: InvoiceStatus,
  command: InvoiceCommandType,
): InvalidTransition => ({ _tag: 'InvalidTransition', invoiceId, from, command });

export const invoiceNotSentOnChannel = (
  invoiceId: InvoiceId,
  channel: DeliveryChannel,
): InvoiceNotSentOnChannel => ({ _tag: 'InvoiceNotSentOnChannel', invoiceId, channel });

export const overpayment = (
  invoiceId: InvoiceId,
  amount: DecimalString,
  amountDue: DecimalString,
  currency: CurrencyCode,
): Overpayment => ({ _tag: 'Overpayment', invoiceId, amount, amountDue, currency });

export const invoiceHasPaymentsOrCredits = (
  invoiceId: InvoiceId,
  paidAmount: DecimalString,
  creditedAmount: DecimalString,
  currency: CurrencyCode,
): InvoiceHasPaymentsOrCredits => ({
  _tag: 'InvoiceHasPaymentsOrCredits',
  invoiceId,
  paidAmount,
  creditedAmount,
  currency,
});

export const nothingDue = (invoiceId: InvoiceId): NothingDue => ({ _tag: 'NothingDue', invoiceId });

export const paymentIdReused = (invoiceId: InvoiceId, paymentId: PaymentId): PaymentIdReused => ({
  _tag: 'PaymentIdReused',
  invoiceId,
  paymentId,
});

export const creditNoteIdReused = (invoiceId: InvoiceId, creditNoteId: CreditNoteId): CreditNoteIdReused => ({
  _tag: 'CreditNoteIdReused',
  invoiceId,
  creditNoteId,
});
