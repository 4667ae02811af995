import type { CurrencyCode } from '../money/currency.js';
import type { DecimalString } from './frozenAmounts.js';

/** Payments, credits and credit notes move money one way: a zero or negative amount is refused. */
export interface NonPositiveAmount {
  readonly _tag: 'NonPositiveAmount';
  readonly amount: DecimalString;
  readonly currency: CurrencyCode;
}

export const nonPositiveAmount = (amount: DecimalString, currency: CurrencyCode): NonPositiveAmount => ({
  _tag: 'NonPositiveAmount',
  amount,
  currency,
});

/** A credit (a credit note, or its application to the invoice) larger than what the customer still owes. */
export interface CreditExceedsAmountDue {
  readonly _tag: 'CreditExceedsAmountDue';
  readonly amount: DecimalString;
  readonly amountDue: DecimalString;
  readonly currency: CurrencyCode;
}

export const creditExceedsAmountDue = (
  amount: DecimalString,
  amountDue: DecimalString,
  currency: CurrencyCode,
): CreditExceedsAmountDue => ({ _tag: 'CreditExceedsAmountDue', amount, amountDue, currency });
