import * as E from 'fp-ts/lib/Either.js';

import type { CurrencyCode } from './currency.js';
import { currencyExponent } from './currency.js';
import type { Decimal } from './decimal.js';
import { pow10, toScaledInteger } from './decimal.js';

/**
 * Money: an integer number of the currency's minor units (cents for EUR, yen for JPY, fils for KWD) and the
 * currency. Never a JavaScript `number`.
 */
export interface Money {
  readonly amount: bigint;
  readonly currency: CurrencyCode;
}

export interface AmountPrecisionExceeded {
  readonly _tag: 'AmountPrecisionExceeded';
  readonly value: string;
  readonly currency: CurrencyCode;
  readonly exponent: number;
}

export interface CurrencyMismatch {
  readonly _tag: 'CurrencyMismatch';
  readonly expected: CurrencyCode;
  readonly actual: CurrencyCode;
}

export const currencyMismatch = (expected: CurrencyCode, actual: CurrencyCode): CurrencyMismatch => ({
  _tag: 'CurrencyMismatch',
  expected,
  actual,
});

/**
 * The exact number of minor units of a decimal amount. `12.345` EUR is refused (it is not a whole number of
 * cents); `12.340` EUR is accepted as 1234 cents, since trailing zeros lose nothing.
 */
export const toMinorUnits = (
  value: Decimal,
  currency: CurrencyCode,
): E.Either<AmountPrecisionExceeded, bigint> => {
  const exponent = currencyExponent(currency);
  const { coefficient, scale } = toScaledInteger(value);
  if (scale <= exponent) return E.right(coefficient * pow10(exponent - scale));
  const divisor = pow10(scale - exponent);
  return coefficient % divisor === 0n
    ? E.right(coefficient / divisor)
    : E.left({ _tag: 'AmountPrecisionExceeded', value: value.toFixed(), currency, exponent });
};

/** Minor units as a plain decimal string in the currency's own scale: 1234n EUR → "12.34", 5n JPY → "5". */
export const formatMinorUnits = (minorUnits: bigint, currency: CurrencyCode): string => {
  const exponent = currencyExponent(currency);
  const negative = minorUnits < 0n;
  const digits = (negative ? -minorUnits : minorUnits).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
};

export const money = (amount: bigint, currency: CurrencyCode): Money => ({ amount, currency });

/** Adds two amounts of the same currency; amounts in different currencies never mix. */
export const addMoney = (a: Money, b: Money): E.Either<CurrencyMismatch, Money> =>
  a.currency === b.currency
    ? E.right(money(a.amount + b.amount, a.currency))
    : E.left(currencyMismatch(a.currency, b.currency));

export const subtractMoney = (a: Money, b: Money): E.Either<CurrencyMismatch, Money> =>
  a.currency === b.currency
    ? E.right(money(a.amount - b.amount, a.currency))
    : E.left(currencyMismatch(a.currency, b.currency));

export const formatMoney = (value: Money): string => formatMinorUnits(value.amount, value.currency);
