import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RoundingMode } from './rounding.js';
import { RoundingMode as RoundingModeCodec, roundQuotient } from './rounding.js';

const modes = Object.keys(RoundingModeCodec.keys) as RoundingMode[];

describe('roundQuotient', () => {
  it.each([
    // numerator, denominator, half_away_from_zero, half_up, half_even, half_down, half_toward_zero
    [25n, 10n, 3n, 3n, 2n, 2n, 2n],
    [-25n, 10n, -3n, -2n, -2n, -3n, -2n],
    [35n, 10n, 4n, 4n, 4n, 3n, 3n],
    [-35n, 10n, -4n, -3n, -4n, -4n, -3n],
    [-125n, 1000n, 0n, 0n, 0n, 0n, 0n],
    [-1250n, 100n, -13n, -12n, -12n, -13n, -12n],
    [24n, 10n, 2n, 2n, 2n, 2n, 2n],
    [26n, 10n, 3n, 3n, 3n, 3n, 3n],
    [-26n, 10n, -3n, -3n, -3n, -3n, -3n],
    [1n, 3n, 0n, 0n, 0n, 0n, 0n],
    [2n, 3n, 1n, 1n, 1n, 1n, 1n],
    [25n, -10n, -3n, -2n, -2n, -3n, -2n],
  ])('%s / %s', (n, d, awayFromZero, up, even, down, towardZero) => {
    expect(roundQuotient(n, d, 'half_away_from_zero')).toBe(awayFromZero);
    expect(roundQuotient(n, d, 'half_up')).toBe(up);
    expect(roundQuotient(n, d, 'half_even')).toBe(even);
    expect(roundQuotient(n, d, 'half_down')).toBe(down);
    expect(roundQuotient(n, d, 'half_toward_zero')).toBe(towardZero);
  });

  it('is within half a unit of the exact quotient in every mode', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.constantFrom(...modes),
        (n, d, mode) => {
          const r = roundQuotient(n, d, mode);
          const twiceError = 2n * (r * d - n);
          expect(twiceError <= d && twiceError >= -d).toBe(true);
        },
      ),
    );
  });

  it('returns exact quotients unchanged', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (q, d) => {
          for (const mode of modes) expect(roundQuotient(q * d, d, mode)).toBe(q);
        },
      ),
    );
  });
});
