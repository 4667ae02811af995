import Big from 'big.js';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * Exact decimals for quantities, unit prices, rates and amounts as entered (big.js). EN 16931 puts no limit
 * on the decimals of quantities and prices (`4.9715` SEK appears in the official examples), so they stay
 * exact decimals until one of the calculation's rounding points turns them into integer minor units.
 *
 * A private big.js constructor in strict mode: it refuses JavaScript numbers as input, so a float can never
 * slip into a price or quantity, and its global settings are not shared with other users of big.js.
 */
const ExactBig = Big();
ExactBig.strict = true;

export type Decimal = Big.Big;

/** Plain decimal notation only: optional minus, digits, optional fraction. No exponent, no `+`, no spaces. */
const DECIMAL_PATTERN = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** A generous bound that keeps a hostile input from costing unbounded work. */
const MAX_DECIMAL_LENGTH = 64;

export const isDecimalString = (text: string): boolean =>
  text.length <= MAX_DECIMAL_LENGTH && DECIMAL_PATTERN.test(text);

export const parseDecimal = (text: string): E.Either<string, Decimal> =>
  isDecimalString(text)
    ? E.right(new ExactBig(text))
    : E.left(`"${text.slice(0, 80)}" is not a decimal number`);

/** Builds a decimal from a literal the caller controls (tests, constants). A bad literal is a bug. */
export const decimal = (text: string): Decimal => new ExactBig(text);

export const ZERO = decimal('0');
export const ONE = decimal('1');
export const HUNDRED = decimal('100');

/** A decimal on the wire: a string like `"12.50"`, decoded to an exact decimal. */
export const DecimalFromString = new t.Type<Decimal, string, unknown>(
  'DecimalFromString',
  (u): u is Decimal => u instanceof ExactBig,
  (u, context) =>
    typeof u === 'string' && isDecimalString(u)
      ? t.success(new ExactBig(u))
      : t.failure(u, context, 'expected a decimal number as a string, e.g. "12.50"'),
  (d) => d.toFixed(),
);

/** An exact decimal as an integer coefficient and a power-of-ten scale: value = coefficient / 10^scale. */
export interface ScaledInteger {
  readonly coefficient: bigint;
  readonly scale: number;
}

/** Converts without any rounding: big.js keeps the digits, the exponent and the sign separately. */
export const toScaledInteger = (value: Decimal): ScaledInteger => {
  // Fast path: this is integer digit composition, not decimal arithmetic: digits are 0–9 and the running
  // value stays below 10^15 < 2^53, so every step is exact. It halves the cost of large invoices.
  const magnitude = value.c.length <= 15 ? BigInt(digitsToInteger(value.c)) : BigInt(value.c.join(''));
  const scale = value.c.length - 1 - value.e;
  const coefficient = value.s < 0 ? -magnitude : magnitude;
  return scale >= 0 ? { coefficient, scale } : { coefficient: coefficient * 10n ** BigInt(-scale), scale: 0 };
};

const digitsToInteger = (digits: ReadonlyArray<number>): number => {
  let result = 0;
  for (const digit of digits) result = result * 10 + digit;
  return result;
};

const POWERS_OF_TEN: ReadonlyArray<bigint> = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

export const pow10 = (exponent: number): bigint => POWERS_OF_TEN[exponent] ?? 10n ** BigInt(exponent);
