import type {
  ApprovalError,
  CalculationIssue,
  CreditNoteError,
  CreditNoteIssueError,
  InvoiceError,
  NumberSeriesError,
} from '@accrue/domain';

import type { ErrorDetail } from '../errors.js';
import { snakeCode } from '../errors.js';

/** An HTTP answer for a refused or failed command: status, public code, message, field details. */
export interface HttpProblem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details: ReadonlyArray<ErrorDetail>;
}

type Rule = InvoiceError | CreditNoteError | NumberSeriesError;

// Exhaustive by type: a new domain error tag does not compile until it has a status here.
const RULE_STATUS: Readonly<Record<Rule['_tag'], number>> = {
  InvoiceNotFound: 404,
  InvoiceAlreadyExists: 409,
  InvoiceNotDraft: 422,
  InvoiceAlreadyApproved: 422,
  InvoiceHasNoLines: 422,
  InvalidInvoiceContent: 422,
  NegativePayableAmount: 422,
  InvoiceNumberMismatch: 422,
  InvalidDueDate: 422,
  InvalidTransition: 422,
  InvoiceNotSentOnChannel: 422,
  CurrencyMismatch: 422,
  AmountPrecisionExceeded: 422,
  NonPositiveAmount: 422,
  Overpayment: 422,
  CreditExceedsAmountDue: 422,
  InvoiceHasPaymentsOrCredits: 422,
  NothingDue: 422,
  PaymentIdReused: 422,
  CreditNoteIdReused: 422,
  CreditNoteAlreadyIssued: 422,
  InvoiceNotCreditable: 422,
  CreditNoteHasNoLines: 422,
  InvalidCreditNoteContent: 422,
  NoVatBreakdownToAllocate: 422,
  // The series was addressed wrongly: a bug in the caller, not the client's fault.
  WrongNumberSeries: 500,
  NumberNotReserved: 500,
};

// Calculation paths name the domain's fields; answers name the request's.
const WIRE_NAMES: Readonly<Record<string, string>> = {
  netPrice: 'unit_price',
  baseQuantity: 'base_quantity',
  'vat.rate': 'tax_rate',
  'vat.category': 'tax_category',
  vat: 'tax_category',
};

/** `lines[0].netPrice` → `lines[0].unit_price`; `lines[1].vat.rate` → `lines[1].tax_rate`. */
export const wirePath = (path: string): string => {
  let result = path;
  for (const [domain, wire] of Object.entries(WIRE_NAMES))
    result = result.replace(new RegExp(`(^|\\.)${domain.replace('.', '\\.')}(?=$|[.[])`), `$1${wire}`);
  return result.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
};

const issueDetails = (issues: ReadonlyArray<CalculationIssue>): ReadonlyArray<ErrorDetail> =>
  issues.map((issue) => ({ path: wirePath(issue.path), message: issue.message }));

const ruleMessage = (error: Rule): string => {
  switch (error._tag) {
    case 'InvoiceNotFound':
      return 'no such invoice';
    case 'InvoiceNotDraft':
      return `the invoice is ${error.status}: only drafts can be changed (corrections are credit notes)`;
    case 'Overpayment':
      return `the payment of ${error.amount} ${error.currency} is more than the ${error.amountDue} ${error.currency} due`;
    case 'CreditExceedsAmountDue':
      return `the credit of ${error.amount} ${error.currency} is more than the ${error.amountDue} ${error.currency} due`;
    case 'InvalidTransition':
      return `${error.command} does not apply to an invoice that is ${error.from}`;
    case 'InvoiceNotCreditable':
      return `an invoice that is ${error.status} cannot be credited`;
    case 'InvoiceHasPaymentsOrCredits':
      return 'the invoice has payments or credits: correct it with a credit note instead';
    case 'InvalidDueDate':
      return `invalid due date (${error.reason.replaceAll('_', ' ')})`;
    case 'CurrencyMismatch':
      return `expected ${error.expected}, got ${error.actual}`;
    case 'AmountPrecisionExceeded':
      return `${error.value} has more decimals than ${error.currency} has (${error.exponent})`;
    default:
      return snakeCode(error._tag).replaceAll('_', ' ');
  }
};

const ruleDetails = (error: Rule): ReadonlyArray<ErrorDetail> => {
  switch (error._tag) {
    case 'InvalidInvoiceContent':
    case 'InvalidCreditNoteContent':
      return issueDetails(error.issues);
    default:
      return [];
  }
};

const fromRule = (error: Rule): HttpProblem => ({
  status: RULE_STATUS[error._tag],
  code: snakeCode(error._tag),
  message: ruleMessage(error),
  details: ruleDetails(error),
});

/**
 * Maps every failure of a command to its answer: 404 for an unknown (or another tenant's) invoice, 422 with the
 * rule's tag in snake_case for a refusal, 409 for a concurrency conflict, 503 when the store is unavailable.
 */
export const commandProblem = (error: ApprovalError | CreditNoteIssueError): HttpProblem => {
  switch (error._tag) {
    case 'CommandRejected':
      return fromRule(error.error);
    case 'VersionConflict':
      return {
        status: 409,
        code: 'version_conflict',
        message: 'the invoice changed concurrently; retry',
        details: [],
      };
    case 'StoreUnavailable':
      return {
        status: 503,
        code: 'store_unavailable',
        message: 'the event store is unavailable',
        details: [],
      };
    case 'CorruptEvent':
      return { status: 500, code: 'corrupt_event', message: 'a stored event does not decode', details: [] };
    case 'NumberReservationLost':
    case 'CreditNoteNumberReservationLost':
      return {
        status: 409,
        code: snakeCode(error._tag),
        message: 'the reserved number was settled by a recovery in between; retry',
        details: [],
      };
    case 'CreditNoteNotApplied':
      return {
        status: 422,
        code: 'credit_note_not_applied',
        message: `the credit note ${error.creditNoteId} was issued but the invoice refused it: ${snakeCode(error.error._tag)}`,
        details: [],
      };
  }
};
