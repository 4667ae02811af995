import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { DocumentAllowanceChargeInput, LineInput } from '../calculation/input.js';
import type { InvoiceCalculationInput } from '../calculation/input.js';
import { CurrencyCode } from '../money/currency.js';
import { DecimalFromString } from '../money/decimal.js';
import { RoundingMode } from '../money/rounding.js';
import { Series } from '../numbering/format.js';
import { CivilDate, addDays, compareCivilDates } from '../shared/civilDate.js';
import { bug } from '../shared/bug.js';
import { CountryCode, EmailAddress, NonEmptyString } from '../shared/text.js';

/** BG-8 buyer postal address. */
export const PostalAddress = t.intersection(
  [
    t.strict({ line1: NonEmptyString, city: NonEmptyString, postalCode: t.string, country: CountryCode }),
    t.partial({ line2: t.string }),
  ],
  'PostalAddress',
);
export type PostalAddress = t.TypeOf<typeof PostalAddress>;

/** The buyer (BG-7): the ERP's customer id and name, with what delivery and UBL need when known. */
export const Customer = t.intersection(
  [
    t.strict({ id: NonEmptyString, name: NonEmptyString }),
    t.partial({ email: EmailAddress, vatNumber: NonEmptyString, address: PostalAddress }),
  ],
  'Customer',
);
export type Customer = t.TypeOf<typeof Customer>;

/** Payment terms in days after the issue date; ten years is already far beyond any real term. */
export interface PaymentTermsDaysBrand {
  readonly PaymentTermsDays: unique symbol;
}
export const PaymentTermsDays = t.brand(
  t.Int,
  (days): days is t.Branded<t.Int, PaymentTermsDaysBrand> => days >= 0 && days <= 3660,
  'PaymentTermsDays',
);
export type PaymentTermsDays = t.TypeOf<typeof PaymentTermsDays>;

const DEFAULT_TERMS = 30;
/** Payment terms when the draft gives neither a due date nor terms. */
export const DEFAULT_PAYMENT_TERMS_DAYS: PaymentTermsDays = PaymentTermsDays.is(DEFAULT_TERMS)
  ? DEFAULT_TERMS
  : bug('30 days are valid payment terms');

export const DocumentType = t.keyof({ invoice: null, credit_note: null }, 'DocumentType');
export type DocumentType = t.TypeOf<typeof DocumentType>;

/**
 * What an invoice says, as a draft holds it and as approval freezes it. Part of the stored format (inside
 * `InvoiceDraftCreated` and `InvoiceDraftRevised`): change additively only.
 *
 * Invariants: `dueDate` is on or after `issueDate`; when `paymentTermsDays` is present the due date is
 * `issueDate + paymentTermsDays` (and moves with the issue date on revision), otherwise it was given as a date.
 * Whether the lines calculate is checked at approval, not here: a draft may be work in progress.
 */
export const InvoiceContent = t.intersection(
  [
    t.strict({
      series: Series,
      currency: CurrencyCode,
      customer: Customer,
      issueDate: CivilDate,
      dueDate: CivilDate,
      pricesIncludeTax: t.boolean,
      lines: t.readonlyArray(LineInput),
      allowances: t.readonlyArray(DocumentAllowanceChargeInput),
      charges: t.readonlyArray(DocumentAllowanceChargeInput),
      rounding: RoundingMode,
    }),
    t.partial({
      paymentTermsDays: PaymentTermsDays,
      /**
       * BT-3 in spirit: a document imported as a credit note (UBL `CreditNote`) keeps that nature; absent
       * means an invoice. Credit notes issued against our own invoices are their own aggregate.
       */
      documentType: DocumentType,
      /** BT-113 */
      prepaidAmount: DecimalFromString,
      /** BT-114: rounding of the amount due (cash rounding), as entered. */
      payableRoundingAmount: DecimalFromString,
      /** BT-22 */
      notes: t.string,
      /** BT-10, the buyer's reference (purchase order or the like). */
      reference: t.string,
    }),
  ],
  'InvoiceContent',
);
export type InvoiceContent = t.TypeOf<typeof InvoiceContent>;

export const toCalculationInput = (content: InvoiceContent): InvoiceCalculationInput => ({
  currency: content.currency,
  lines: content.lines,
  pricesIncludeTax: content.pricesIncludeTax,
  allowances: content.allowances,
  charges: content.charges,
  ...(content.prepaidAmount === undefined ? {} : { prepaidAmount: content.prepaidAmount }),
  ...(content.payableRoundingAmount === undefined
    ? {}
    : { payableRoundingAmount: content.payableRoundingAmount }),
});

/** A due date that cannot be: before the issue date, past year 9999, or given both as a date and as terms. */
export interface InvalidDueDate {
  readonly _tag: 'InvalidDueDate';
  readonly reason: 'before_issue_date' | 'out_of_range' | 'both_date_and_terms';
  readonly issueDate: CivilDate;
  readonly dueDate?: CivilDate;
  readonly paymentTermsDays?: PaymentTermsDays;
}

export type DueTerms =
  | { readonly _tag: 'DueDate'; readonly dueDate: CivilDate }
  | { readonly _tag: 'PaymentTerms'; readonly paymentTermsDays: PaymentTermsDays };

/**
 * The due date and, for term-based ones, the terms to keep. A date wins by being explicit: giving both a date
 * and terms is refused rather than guessed.
 */
export const resolveDueDate = (
  issueDate: CivilDate,
  terms: DueTerms,
): E.Either<InvalidDueDate, Pick<InvoiceContent, 'dueDate' | 'paymentTermsDays'>> => {
  if (terms._tag === 'DueDate') {
    return compareCivilDates(terms.dueDate, issueDate) < 0
      ? E.left({ _tag: 'InvalidDueDate', reason: 'before_issue_date', issueDate, dueDate: terms.dueDate })
      : E.right({ dueDate: terms.dueDate });
  }
  const { paymentTermsDays } = terms;
  return E.bimap(
    (): InvalidDueDate => ({ _tag: 'InvalidDueDate', reason: 'out_of_range', issueDate, paymentTermsDays }),
    (dueDate: CivilDate) => ({ dueDate, paymentTermsDays }),
  )(addDays(issueDate, paymentTermsDays));
};
