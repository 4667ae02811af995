import type { CurrencyCode } from '@accrue/domain';
import { formatMinorUnits } from '@accrue/domain';

/** An amount as the read API returns it: a decimal string in the currency's own scale (`"1643.75"` EUR). */
export type AmountText = string;

export const amountText = (minorUnits: bigint, currency: CurrencyCode): AmountText =>
  formatMinorUnits(minorUnits, currency);

/** Sums per currency, in first-seen order; currencies never mix. */
export const sumByCurrency = <A>(
  items: ReadonlyArray<A>,
  currencyOf: (item: A) => CurrencyCode,
  amountOf: (item: A) => bigint,
): ReadonlyMap<CurrencyCode, bigint> => {
  const sums = new Map<CurrencyCode, bigint>();
  for (const item of items) {
    const currency = currencyOf(item);
    sums.set(currency, (sums.get(currency) ?? 0n) + amountOf(item));
  }
  return sums;
};
