import type { CurrencyCode, Decimal, InvoiceCalculation, VatBreakdownEntry } from '@accrue/domain';
import { ZERO, currencyExponent, formatMinorUnits, toMinorUnits } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { StatedTaxSubtotal, StatedTotals, UblDocument } from './document.js';

/**
 * A stated value that the recomputation does not reproduce. Amounts are decimal strings in the currency's
 * scale; `null` means "no counterpart" (a VAT breakdown entry on one side only).
 */
export interface Mismatch {
  /** Readable name: `line 20 net_amount`, `line_extension_amount`, `tax_breakdown S 25 tax_amount`. */
  readonly what: string;
  readonly stated: string | null;
  readonly computed: string | null;
}

const TOTALS: ReadonlyArray<readonly [keyof StatedTotals, keyof InvoiceCalculation['totals'], string]> = [
  ['lineExtensionAmount', 'lineExtensionAmount', 'line_extension_amount'],
  ['allowanceTotalAmount', 'allowanceTotalAmount', 'allowance_total_amount'],
  ['chargeTotalAmount', 'chargeTotalAmount', 'charge_total_amount'],
  ['taxExclusiveAmount', 'taxExclusiveAmount', 'tax_exclusive_amount'],
  ['taxAmount', 'taxAmount', 'tax_amount'],
  ['taxInclusiveAmount', 'taxInclusiveAmount', 'tax_inclusive_amount'],
  ['prepaidAmount', 'prepaidAmount', 'prepaid_amount'],
  ['payableRoundingAmount', 'payableRoundingAmount', 'payable_rounding_amount'],
  ['payableAmount', 'payableAmount', 'payable_amount'],
];

/**
 * Every value the document states (line nets and prices, line and document allowance/charge amounts,
 * BT-106..115, the VAT breakdown) that differs from the engine's recomputation of the same document.
 * Values the document leaves out are not compared. VAT breakdown entries are paired by category and
 * numeric rate (`25` = `25.00`); an entry on one side only is reported with `null` on the other.
 */
export const compareWithStated = (
  document: UblDocument,
  calculation: InvoiceCalculation,
): ReadonlyArray<Mismatch> => {
  const currency = calculation.currency;
  const mismatches: Mismatch[] = [];
  const amount = (what: string, stated: Decimal | undefined, computed: bigint | undefined): void => {
    if (stated === undefined) return;
    if (computed !== undefined && sameAmount(stated, computed, currency)) return;
    mismatches.push({
      what,
      stated: formatStated(stated, currency),
      computed: computed === undefined ? null : formatMinorUnits(computed, currency),
    });
  };

  document.stated.lines.forEach((stated, index) => {
    const computed = calculation.lines[index];
    const name = `line ${stated.id}`;
    amount(`${name} net_amount`, stated.netAmount, computed?.netAmount);
    if (computed === undefined || !computed.netPrice.eq(stated.netPrice)) {
      mismatches.push({
        what: `${name} net_price`,
        stated: stated.netPrice.toFixed(),
        computed: computed === undefined ? null : computed.netPrice.toFixed(),
      });
    }
    stated.allowances.forEach((value, i) => {
      amount(`${name} allowance ${i + 1} amount`, value, computed?.allowances[i]?.amount);
    });
    stated.charges.forEach((value, i) => {
      amount(`${name} charge ${i + 1} amount`, value, computed?.charges[i]?.amount);
    });
  });
  document.stated.allowances.forEach((value, i) => {
    amount(`allowance ${i + 1} amount`, value, calculation.allowances[i]?.amount);
  });
  document.stated.charges.forEach((value, i) => {
    amount(`charge ${i + 1} amount`, value, calculation.charges[i]?.amount);
  });
  for (const [statedKey, computedKey, what] of TOTALS) {
    amount(what, document.stated.totals[statedKey], calculation.totals[computedKey]);
  }

  const unmatched = [...calculation.vatBreakdown];
  for (const stated of document.stated.taxSubtotals) {
    const index = unmatched.findIndex((entry) => sameVatKey(stated, entry));
    const computed = index < 0 ? undefined : unmatched.splice(index, 1)[0];
    const name = breakdownName(stated.category, computed === undefined ? stated.rate : computed.rate);
    amount(`${name} taxable_amount`, stated.taxableAmount, computed?.taxableAmount);
    amount(`${name} tax_amount`, stated.taxAmount, computed?.taxAmount);
  }
  for (const computed of unmatched) {
    const name = breakdownName(computed.category, computed.rate);
    for (const [what, value] of [
      ['taxable_amount', computed.taxableAmount],
      ['tax_amount', computed.taxAmount],
    ] as const) {
      mismatches.push({ what: `${name} ${what}`, stated: null, computed: formatMinorUnits(value, currency) });
    }
  }
  return mismatches;
};

/** A stated amount with more decimals than the currency has can never equal a computed one. */
const sameAmount = (stated: Decimal, computed: bigint, currency: CurrencyCode): boolean => {
  const minorUnits = toMinorUnits(stated, currency);
  return E.isRight(minorUnits) && minorUnits.right === computed;
};

/** In the currency's scale when that loses nothing (`400` → `400.00`), else exactly as stated. */
const formatStated = (stated: Decimal, currency: CurrencyCode): string => {
  const exponent = currencyExponent(currency);
  const minorUnits = toMinorUnits(stated, currency);
  return E.isRight(minorUnits) ? stated.toFixed(exponent) : stated.toFixed();
};

/** Category O has no rate, zero-rated categories may omit it: an absent rate compares as 0. */
const sameVatKey = (stated: StatedTaxSubtotal, computed: VatBreakdownEntry): boolean =>
  stated.category === computed.category && (stated.rate ?? ZERO).eq(computed.rate ?? ZERO);

const breakdownName = (category: string, rate: Decimal | undefined): string =>
  rate === undefined ? `tax_breakdown ${category}` : `tax_breakdown ${category} ${rate.toFixed()}`;
