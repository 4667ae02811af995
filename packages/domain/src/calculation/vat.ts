import type { Decimal } from '../money/decimal.js';
import { ZERO } from '../money/decimal.js';
import type { CalculationIssue } from './issues.js';
import type { VatCategoryCode, VatInput } from './input.js';

/** A VAT breakdown key (BG-23): category and rate. Category O never has a rate. */
export interface VatKey {
  readonly category: VatCategoryCode;
  readonly rate: Decimal | undefined;
}

/** Categories whose tax is always zero (BR-Z/E/AE/IC/G/O-09): the rate, if given, must be 0. */
const ZERO_RATED: ReadonlySet<VatCategoryCode> = new Set(['Z', 'E', 'AE', 'K', 'G']);

/**
 * Checks a VAT category and rate against EN 16931: S needs a rate above zero (BR-S-05); Z, E, AE, K and G
 * are zero-rated (BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05), O has no rate (BR-O-05; a stated 0 is
 * accepted and dropped), L and M (IGIC, IPSI) and B (split payment) need a rate of zero or more.
 */
export const checkVat = (vat: VatInput, path: string): VatKey | CalculationIssue => {
  const { category, rate } = vat;
  const issue = (message: string): CalculationIssue => ({
    path: `${path}.rate`,
    code: 'invalid_vat_rate',
    message,
  });
  if (category === 'O') {
    return rate === undefined || rate.eq(ZERO)
      ? { category, rate: undefined }
      : issue('category O has no VAT rate');
  }
  if (ZERO_RATED.has(category)) {
    return rate === undefined || rate.eq(ZERO)
      ? { category, rate: ZERO }
      : issue(`category ${category} is zero-rated: the rate must be 0`);
  }
  if (rate === undefined) return issue(`category ${category} needs a VAT rate`);
  if (rate.lt(ZERO)) return issue('a VAT rate cannot be negative');
  if (category === 'S' && rate.eq(ZERO))
    return issue('category S needs a rate above 0 (use Z for zero-rated)');
  return { category, rate };
};

export const isVatKey = (value: VatKey | CalculationIssue): value is VatKey => 'category' in value;

/** A stable string for grouping: `S|25`, `S|12.5`, `O|`. Rates are compared by value (25 = 25.00). */
export const vatKeyId = (key: VatKey): string =>
  `${key.category}|${key.rate === undefined ? '' : key.rate.toFixed()}`;
