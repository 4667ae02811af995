import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { DocumentTotals, VatBreakdownEntry } from '../calculation/calculate.js';
import { VatCategoryCode } from '../calculation/input.js';
import type { AmountPrecisionExceeded } from '../money/amount.js';
import { formatMinorUnits, toMinorUnits } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import type { Decimal } from '../money/decimal.js';
import { isDecimalString, parseDecimal } from '../money/decimal.js';
import { bug } from './bug.js';

/**
 * Amounts frozen into events: once an invoice is approved its figures are facts, not something to recompute
 * (a later fix to the calculation must not change an issued invoice). They are stored as decimal strings in the
 * currency's own scale (`"1643.75"` EUR, `"1200"` JPY, `"12.345"` KWD), the wire format, and stay strings in
 * memory too, so the stored and the decoded form of these fields are the same text.
 */
export interface DecimalStringBrand {
  readonly DecimalString: unique symbol;
}
export const DecimalString = t.brand(
  t.string,
  (text): text is t.Branded<string, DecimalStringBrand> => isDecimalString(text),
  'DecimalString',
);
export type DecimalString = t.TypeOf<typeof DecimalString>;

/** Minor units as a frozen decimal string in the currency's scale: 164375n EUR → `"1643.75"`. */
export const freezeAmount = (minorUnits: bigint, currency: CurrencyCode): DecimalString => {
  const text = formatMinorUnits(minorUnits, currency);
  return DecimalString.is(text) ? text : bug(`formatMinorUnits produced ${text}`);
};

/** BG-22 document totals (BT-106 to BT-115) as frozen at approval or issue. */
export const FrozenTotals = t.strict(
  {
    lineExtensionAmount: DecimalString,
    allowanceTotalAmount: DecimalString,
    chargeTotalAmount: DecimalString,
    taxExclusiveAmount: DecimalString,
    taxAmount: DecimalString,
    taxInclusiveAmount: DecimalString,
    prepaidAmount: DecimalString,
    payableRoundingAmount: DecimalString,
    payableAmount: DecimalString,
  },
  'FrozenTotals',
);
export type FrozenTotals = t.TypeOf<typeof FrozenTotals>;

/** One BG-23 VAT breakdown as frozen: category, rate in percent (absent for category O), base and tax. */
export const FrozenVatBreakdownEntry = t.intersection(
  [
    t.strict({ category: VatCategoryCode, taxableAmount: DecimalString, taxAmount: DecimalString }),
    t.partial({ rate: DecimalString, exemptionReason: t.string, exemptionReasonCode: t.string }),
  ],
  'FrozenVatBreakdownEntry',
);
export type FrozenVatBreakdownEntry = t.TypeOf<typeof FrozenVatBreakdownEntry>;

export const freezeTotals = (totals: DocumentTotals, currency: CurrencyCode): FrozenTotals => {
  const f = (value: bigint): DecimalString => freezeAmount(value, currency);
  return {
    lineExtensionAmount: f(totals.lineExtensionAmount),
    allowanceTotalAmount: f(totals.allowanceTotalAmount),
    chargeTotalAmount: f(totals.chargeTotalAmount),
    taxExclusiveAmount: f(totals.taxExclusiveAmount),
    taxAmount: f(totals.taxAmount),
    taxInclusiveAmount: f(totals.taxInclusiveAmount),
    prepaidAmount: f(totals.prepaidAmount),
    payableRoundingAmount: f(totals.payableRoundingAmount),
    payableAmount: f(totals.payableAmount),
  };
};

export const freezeVatBreakdown = (
  breakdown: ReadonlyArray<VatBreakdownEntry>,
  currency: CurrencyCode,
): ReadonlyArray<FrozenVatBreakdownEntry> =>
  breakdown.map((entry) => ({
    category: entry.category,
    ...(entry.rate === undefined ? {} : { rate: freezeDecimal(entry.rate) }),
    taxableAmount: freezeAmount(entry.taxableAmount, currency),
    taxAmount: freezeAmount(entry.taxAmount, currency),
    ...(entry.exemptionReason === undefined ? {} : { exemptionReason: entry.exemptionReason }),
    ...(entry.exemptionReasonCode === undefined ? {} : { exemptionReasonCode: entry.exemptionReasonCode }),
  }));

/** A decimal as a plain decimal string (`toFixed()` never uses exponent notation). */
export const freezeDecimal = (value: Decimal): DecimalString => {
  const text = value.toFixed();
  return DecimalString.is(text) ? text : bug(`toFixed produced ${text}`);
};

/** A decimal string as an exact decimal; the brand guarantees it parses. */
export const thawDecimal = (text: DecimalString): Decimal => {
  const parsed = parseDecimal(text);
  return E.isRight(parsed) ? parsed.right : bug(`decimal string ${text} does not parse`);
};

/** A decimal string as minor units of `currency`; refused when it has more decimals than the currency has. */
export const parseMinorUnits = (
  text: DecimalString,
  currency: CurrencyCode,
): E.Either<AmountPrecisionExceeded, bigint> => toMinorUnits(thawDecimal(text), currency);

/**
 * Minor units of an amount the decider itself froze (read back from an event of the same stream). It was
 * written by `freezeAmount` in the same currency, so a failure means the stored event was altered.
 */
export const frozenMinorUnits = (text: DecimalString, currency: CurrencyCode): bigint => {
  const units = parseMinorUnits(text, currency);
  return E.isRight(units) ? units.right : bug(`frozen amount ${text} is not in ${currency} minor units`);
};
