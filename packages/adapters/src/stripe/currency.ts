import type { CurrencyCode } from '@accrue/domain';
import { currencyExponent } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

/**
 * Stripe's amount units (docs.stripe.com/currencies, "Minor units in API amounts" and "Special cases"):
 * integers in the currency's smallest unit, lowercase codes. Mostly that is the ISO 4217 exponent we use,
 * with these exceptions:
 * - zero-decimal currencies are sent in whole units, including MGA, which ISO 4217 gives two decimals;
 * - ISK (ISO: no decimals) is still sent with two decimals "for backwards compatibility", so × 100;
 * - the three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent in 1/1000, but Stripe requires the
 *   least-significant digit to be 0 ("your integration must round amounts to the nearest ten"). We never
 *   round: an amount ending in another digit is refused with `currency_precision`.
 */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
const STRIPE_EXPONENT_OVERRIDES: ReadonlyMap<string, number> = new Map([['ISK', 2]]);

/** Why an amount cannot be carried by Stripe exactly. */
export interface StripeAmountRefused {
  readonly code: 'currency_precision' | 'unsupported_currency';
  readonly message: string;
}

export const stripeExponent = (currency: CurrencyCode): number =>
  ZERO_DECIMAL.has(currency)
    ? 0
    : THREE_DECIMAL.has(currency)
      ? 3
      : (STRIPE_EXPONENT_OVERRIDES.get(currency) ?? currencyExponent(currency));

/** Lowercase, as every Stripe request and object spells it. */
export const stripeCurrency = (currency: CurrencyCode): string => currency.toLowerCase();

const pow10 = (exponent: number): bigint => 10n ** BigInt(exponent);

/**
 * Our minor units (ISO 4217 exponent) → Stripe's units, exactly or not at all. `what` names the amount in
 * the refusal message ("line 2", "tax of line 1").
 */
export const toStripeUnits = (
  amount: bigint,
  currency: CurrencyCode,
  what: string,
): E.Either<StripeAmountRefused, bigint> => {
  const iso = currencyExponent(currency);
  if (iso > 3) {
    return E.left({
      code: 'unsupported_currency',
      message: `Stripe has no ${iso}-decimal currencies (${currency})`,
    });
  }
  const stripe = stripeExponent(currency);
  let units: bigint;
  if (stripe >= iso) {
    units = amount * pow10(stripe - iso);
  } else {
    const divisor = pow10(iso - stripe);
    if (amount % divisor !== 0n) {
      return E.left({
        code: 'currency_precision',
        message: `${what}: Stripe takes ${currency} in whole units of 10^-${stripe}, cannot carry ${amount} minor units exactly`,
      });
    }
    units = amount / divisor;
  }
  if (THREE_DECIMAL.has(currency) && units % 10n !== 0n) {
    return E.left({
      code: 'currency_precision',
      message: `${what}: Stripe requires ${currency} amounts to end in 0 (in 1/1000), got ${units}`,
    });
  }
  return E.right(units);
};

/** Stripe's units → our minor units; refused when Stripe's figure has more precision than ISO 4217 allows. */
export const fromStripeUnits = (
  units: bigint,
  currency: CurrencyCode,
): E.Either<StripeAmountRefused, bigint> => {
  const iso = currencyExponent(currency);
  const stripe = stripeExponent(currency);
  if (stripe <= iso) return E.right(units * pow10(iso - stripe));
  const divisor = pow10(stripe - iso);
  return units % divisor === 0n
    ? E.right(units / divisor)
    : E.left({
        code: 'currency_precision',
        message: `Stripe amount ${units} ${currency} has more decimals than ISO 4217 gives ${currency}`,
      });
};

/**
 * The SDK's parameter types take `number`; Stripe amounts are far below 2^53, but the conversion is checked
 * rather than assumed. This is the only place a Stripe amount becomes a JS number.
 */
export const toSdkInteger = (units: bigint, what: string): E.Either<StripeAmountRefused, number> =>
  units <= BigInt(Number.MAX_SAFE_INTEGER) && units >= BigInt(Number.MIN_SAFE_INTEGER)
    ? E.right(Number(units))
    : E.left({ code: 'currency_precision', message: `${what}: ${units} is beyond what Stripe accepts` });
