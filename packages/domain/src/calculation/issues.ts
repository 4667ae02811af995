/**
 * A reason the calculation refused its input, with the path of the offending field (`lines[2].quantity`),
 * so that callers can point users at it. The calculation reports every issue it finds, not just the first.
 */
export interface CalculationIssue {
  readonly path: string;
  readonly code:
    | 'amount_precision_exceeded'
    | 'invalid_base_quantity'
    | 'negative_price'
    | 'price_missing'
    | 'price_inconsistent'
    | 'invalid_vat_rate'
    | 'negative_percentage';
  readonly message: string;
}

export interface InvalidCalculationInput {
  readonly _tag: 'InvalidCalculationInput';
  readonly issues: ReadonlyArray<CalculationIssue>;
}

export const invalidCalculationInput = (
  issues: ReadonlyArray<CalculationIssue>,
): InvalidCalculationInput => ({
  _tag: 'InvalidCalculationInput',
  issues,
});
