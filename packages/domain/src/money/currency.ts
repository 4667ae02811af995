import { data as iso4217 } from 'currency-codes';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { bug } from '../shared/bug.js';

/**
 * ISO 4217 units that are not money one invoices in: precious metals, SDR, bond-market units, test and
 * "no currency" codes. The table lists them with `digits: 0` where ISO says "N.A.", so they are refused by
 * name rather than trusted with an exponent that does not exist.
 */
const NOT_INVOICEABLE = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  iso4217.filter((record) => !NOT_INVOICEABLE.has(record.code)).map((record) => [record.code, record.digits]),
);

/** Every code `CurrencyCode` accepts, sorted: for schemas that list them (OpenAPI `enum`). */
export const INVOICEABLE_CURRENCY_CODES: ReadonlyArray<string> = [...EXPONENTS.keys()].sort();

export interface CurrencyCodeBrand {
  readonly CurrencyCode: unique symbol;
}

/** An ISO 4217 alphabetic code of a currency that has a minor unit exponent (EUR, JPY, KWD…). */
export const CurrencyCode = t.brand(
  t.string,
  (code): code is t.Branded<string, CurrencyCodeBrand> => EXPONENTS.has(code),
  'CurrencyCode',
);
export type CurrencyCode = t.TypeOf<typeof CurrencyCode>;

export interface UnknownCurrency {
  readonly _tag: 'UnknownCurrency';
  readonly currency: string;
}

export const parseCurrencyCode = (code: string): E.Either<UnknownCurrency, CurrencyCode> =>
  CurrencyCode.is(code) ? E.right(code) : E.left({ _tag: 'UnknownCurrency', currency: code });

/** The number of minor-unit digits ISO 4217 gives the currency: EUR 2, JPY 0, KWD 3, CLF 4. */
export const currencyExponent = (currency: CurrencyCode): number => {
  // The brand guarantees presence; a miss means a cast bypassed the codec.
  return EXPONENTS.get(currency) ?? bug(`currency ${currency} has no ISO 4217 exponent`);
};

/** The ISO 4217 table's publication date, for diagnostics. */
export { publishDate as iso4217PublishDate } from 'currency-codes';
