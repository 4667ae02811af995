import type { CalculationIssue, CurrencyCode } from '@accrue/domain';

/**
 * Why an invoice or credit note could not be written as UBL. Each names the EN 16931 rule or business term it
 * is about, so the API can map it to a status and people can fix the input.
 */
export type UblWriteError =
  CurrencyPrecisionUnsupported | InvoiceNotCalculable | FrozenTotalsNotReproduced | MissingBusinessTerm;

/**
 * BR-DEC-01..28 cap every amount at two decimals whatever the currency, so an invoice in a 3- or 4-decimal
 * currency (KWD, BHD, OMR, JOD, TND, LYD, IQD, CLF, UYW) cannot be written without rounding its amounts, which
 * would change what the customer was told. Refused rather than rounded.
 */
export interface CurrencyPrecisionUnsupported {
  readonly _tag: 'CurrencyPrecisionUnsupported';
  readonly rule: 'BR-DEC';
  readonly currency: CurrencyCode;
  readonly exponent: number;
}

/** The content does not calculate (a draft still in progress): there are no totals to write. */
export interface InvoiceNotCalculable {
  readonly _tag: 'InvoiceNotCalculable';
  readonly issues: ReadonlyArray<CalculationIssue>;
}

/**
 * The frozen totals of an issued document differ from a recalculation of its frozen content (the calculation
 * changed since). The lines would then not add up to the totals the customer was told; refused rather than
 * writing a document that contradicts itself.
 */
export interface FrozenTotalsNotReproduced {
  readonly _tag: 'FrozenTotalsNotReproduced';
  readonly differences: ReadonlyArray<{
    readonly what: string;
    readonly frozen: string | null;
    readonly computed: string | null;
  }>;
}

/** A business term EN 16931 requires (or requires in this case) that the content does not hold. */
export interface MissingBusinessTerm {
  readonly _tag: 'MissingBusinessTerm';
  /** `BT-153`, `BT-55`, `BT-31`… */
  readonly term: string;
  /** Where the value would come from: `lines[2].description`, `customer.address`, `seller.vatId`. */
  readonly path: string;
  readonly reason: string;
}

export const currencyPrecisionUnsupported = (
  currency: CurrencyCode,
  exponent: number,
): CurrencyPrecisionUnsupported => ({
  _tag: 'CurrencyPrecisionUnsupported',
  rule: 'BR-DEC',
  currency,
  exponent,
});

export const invoiceNotCalculable = (issues: ReadonlyArray<CalculationIssue>): InvoiceNotCalculable => ({
  _tag: 'InvoiceNotCalculable',
  issues,
});

export const frozenTotalsNotReproduced = (
  differences: FrozenTotalsNotReproduced['differences'],
): FrozenTotalsNotReproduced => ({ _tag: 'FrozenTotalsNotReproduced', differences });

export const missingBusinessTerm = (term: string, path: string, reason: string): MissingBusinessTerm => ({
  _tag: 'MissingBusinessTerm',
  term,
  path,
  reason,
});

/** One line of text for people: CLI output, logs, problem details. */
export const describeUblWriteError = (error: UblWriteError): string => {
  switch (error._tag) {
    case 'CurrencyPrecisionUnsupported':
      return `${error.currency} has ${error.exponent} decimals; EN 16931 (BR-DEC) allows at most 2 decimals for amounts, so this invoice cannot be written as UBL without changing its amounts`;
    case 'InvoiceNotCalculable':
      return `the invoice does not calculate: ${error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`;
    case 'FrozenTotalsNotReproduced':
      return `the frozen totals are not reproduced by the current calculation (${error.differences
        .map((d) => `${d.what}: frozen ${d.frozen ?? 'none'}, computed ${d.computed ?? 'none'}`)
        .join('; ')})`;
    case 'MissingBusinessTerm':
      return `missing ${error.term} (${error.path}): ${error.reason}`;
  }
};
