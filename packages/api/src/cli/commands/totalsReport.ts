import type { InvoiceCalculation, RoundingMode } from '@accrue/domain';
import { calculateInvoice, formatMinorUnits } from '@accrue/domain';
import type { Mismatch } from '@accrue/adapters/ubl';
import { compareWithStated, describeUblReadError, readUbl } from '@accrue/adapters/ubl';
import * as E from 'fp-ts/lib/Either.js';

/** One output line of `accrue totals`: wire names in snake_case, amounts as decimal strings. */
export interface TotalsReport {
  readonly file: string;
  readonly currency: string;
  readonly totals: {
    readonly line_extension_amount: string;
    readonly allowance_total_amount: string;
    readonly charge_total_amount: string;
    readonly tax_exclusive_amount: string;
    readonly tax_amount: string;
    readonly tax_inclusive_amount: string;
    readonly prepaid_amount: string;
    readonly payable_rounding_amount: string;
    readonly payable_amount: string;
  };
  readonly tax_breakdown: ReadonlyArray<{
    readonly category: string;
    /** `null` for category O, which has no rate. */
    readonly rate: string | null;
    readonly taxable_amount: string;
    readonly tax_amount: string;
  }>;
  readonly lines: ReadonlyArray<{ readonly id: string; readonly net_amount: string }>;
  readonly mismatches: ReadonlyArray<Mismatch>;
}

/** The output line for a file that could not be read, parsed or calculated. */
export interface TotalsFailure {
  readonly file: string;
  readonly error: string;
}

export type TotalsOutcome = E.Either<TotalsFailure, TotalsReport>;

/**
 * Recomputes one UBL document from its inputs and shapes the result for output. Pure: the command does the
 * reading and printing, so this is what tests exercise.
 */
export const totalsFromUbl = (file: string, xml: string, rounding: RoundingMode): TotalsOutcome => {
  const document = readUbl(xml);
  if (E.isLeft(document)) return E.left({ file, error: describeUblReadError(document.left) });
  const calculation = calculateInvoice(document.right.calculationInput, { rounding });
  if (E.isLeft(calculation)) {
    const issues = calculation.left.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    return E.left({ file, error: `calculation refused the document: ${issues}` });
  }
  return E.right(shapeReport(file, calculation.right, compareWithStated(document.right, calculation.right)));
};

const shapeReport = (
  file: string,
  calculation: InvoiceCalculation,
  mismatches: ReadonlyArray<Mismatch>,
): TotalsReport => {
  const amount = (minorUnits: bigint): string => formatMinorUnits(minorUnits, calculation.currency);
  const { totals } = calculation;
  return {
    file,
    currency: calculation.currency,
    totals: {
      line_extension_amount: amount(totals.lineExtensionAmount),
      allowance_total_amount: amount(totals.allowanceTotalAmount),
      charge_total_amount: amount(totals.chargeTotalAmount),
      tax_exclusive_amount: amount(totals.taxExclusiveAmount),
      tax_amount: amount(totals.taxAmount),
      tax_inclusive_amount: amount(totals.taxInclusiveAmount),
      prepaid_amount: amount(totals.prepaidAmount),
      payable_rounding_amount: amount(totals.payableRoundingAmount),
      payable_amount: amount(totals.payableAmount),
    },
    tax_breakdown: calculation.vatBreakdown.map((entry) => ({
      category: entry.category,
      rate: entry.rate === undefined ? null : entry.rate.toFixed(),
      taxable_amount: amount(entry.taxableAmount),
      tax_amount: amount(entry.taxAmount),
    })),
    lines: calculation.lines.map((line) => ({ id: line.id, net_amount: amount(line.netAmount) })),
    mismatches,
  };
};

/** One JSON document per line (JSON Lines), whichever the outcome. */
export const formatTotalsOutcome = (outcome: TotalsOutcome): string =>
  JSON.stringify(E.isLeft(outcome) ? outcome.left : outcome.right);
