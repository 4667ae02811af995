import * as t from 'io-ts';

import { bug } from '../shared/bug.js';

/**
 * The rounding modes an invoice may be calculated with. Exactly one applies to a whole calculation.
 *
 * - `half_away_from_zero` (the default, "commercial rounding"): 2.5 → 3, −2.5 → −3.
 * - `half_up`: half toward +∞, as XPath `round()` does in the EN 16931 validators: 2.5 → 3, −2.5 → −2.
 * - `half_even`: banker's rounding: 2.5 → 2, 3.5 → 4.
 * - `half_down`: half toward −∞.
 * - `half_toward_zero`: 2.5 → 2, −2.5 → −2.
 */
export const RoundingMode = t.keyof(
  {
    half_away_from_zero: null,
    half_up: null,
    half_even: null,
    half_down: null,
    half_toward_zero: null,
  },
  'RoundingMode',
);
export type RoundingMode = t.TypeOf<typeof RoundingMode>;

export const DEFAULT_ROUNDING_MODE: RoundingMode = 'half_away_from_zero';

const abs = (value: bigint): bigint => (value < 0n ? -value : value);

/**
 * The one rounding function: rounds the exact rational `numerator / denominator` to an integer.
 *
 * Every rounding point of the calculation (line net, percentage allowance or charge, VAT per category and
 * rate, tax extracted from inclusive prices) goes through here, so the mode is applied in one place only.
 * Exact: no intermediate decimal representation, whatever the denominator.
 */
export const roundQuotient = (numerator: bigint, denominator: bigint, mode: RoundingMode): bigint => {
  if (denominator === 0n) return bug('roundQuotient: division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = abs(numerator);
  const d = abs(denominator);
  const quotient = n / d;
  const twiceRemainder = (n % d) * 2n;
  let magnitude = quotient;
  if (twiceRemainder > d) {
    magnitude = quotient + 1n;
  } else if (twiceRemainder === d) {
    magnitude = quotient + (roundsTieAwayFromZero(mode, negative, quotient) ? 1n : 0n);
  }
  return negative ? -magnitude : magnitude;
};

const roundsTieAwayFromZero = (mode: RoundingMode, negative: boolean, truncated: bigint): boolean => {
  switch (mode) {
    case 'half_away_from_zero':
      return true;
    case 'half_toward_zero':
      return false;
    case 'half_up':
      return !negative;
    case 'half_down':
      return negative;
    case 'half_even':
      return truncated % 2n === 1n;
  }
};
