import * as O from 'fp-ts/lib/Option.js';
import * as t from 'io-ts';

import { bug } from '../shared/bug.js';

/** Upper-case letters, digits and dashes, 1 to 16 characters: `INV`, `CN`, `EXPORT-B2B`. */
const SERIES_PATTERN = /^[A-Z0-9-]{1,16}$/;

export interface SeriesBrand {
  readonly Series: unique symbol;
}

/** A numbering series. Each tenant numbers each series separately, starting again every year. */
export const Series = t.brand(
  t.string,
  (text): text is t.Branded<string, SeriesBrand> => SERIES_PATTERN.test(text),
  'Series',
);
export type Series = t.TypeOf<typeof Series>;

const series = (text: string): Series => (Series.is(text) ? text : bug(`${text} is not a series`));

/** The series invoices get when the draft names none. */
export const DEFAULT_INVOICE_SERIES: Series = series('INV');

export interface YearBrand {
  readonly Year: unique symbol;
}

/** A calendar year with four digits, as the numbers print it. */
export const Year = t.brand(
  t.Int,
  (year): year is t.Branded<t.Int, YearBrand> => year >= 1 && year <= 9999,
  'Year',
);
export type Year = t.TypeOf<typeof Year>;

export const toYear = (year: number): Year => (Year.is(year) ? year : bug(`${year} is not a calendar year`));

export interface CounterBrand {
  readonly Counter: unique symbol;
}

/** The position of a number in its series and year: 1, 2, 3… */
export const Counter = t.brand(
  t.Int,
  (counter): counter is t.Branded<t.Int, CounterBrand> => counter >= 1 && counter <= Number.MAX_SAFE_INTEGER,
  'Counter',
);
export type Counter = t.TypeOf<typeof Counter>;

/** The counter is padded to six digits and simply grows wider past 999999, so numbers never wrap or collide. */
const COUNTER_WIDTH = 6;

/** `{SERIES}-{YEAR}-{COUNTER:6}`; the series may contain dashes itself, so the number is read from the right. */
const NUMBER_PATTERN = /^([A-Z0-9-]{1,16})-([0-9]{4})-([0-9]{6,})$/;

export interface InvoiceNumberParts {
  readonly series: Series;
  readonly year: Year;
  readonly counter: Counter;
}

const render = ({ series, year, counter }: InvoiceNumberParts): string =>
  `${series}-${String(year).padStart(4, '0')}-${String(counter).padStart(COUNTER_WIDTH, '0')}`;

const parseParts = (text: string): InvoiceNumberParts | undefined => {
  const match = NUMBER_PATTERN.exec(text);
  if (match === null) return undefined;
  const series = match[1];
  const year = Number(match[2]);
  const counter = Number(match[3]);
  if (!Series.is(series) || !Year.is(year) || !Counter.is(counter)) return undefined;
  const parts = { series, year, counter };
  // Only the canonical spelling is a number: `INV-2026-0000001` would be a second name for counter 1.
  return render(parts) === text ? parts : undefined;
};

export interface InvoiceNumberBrand {
  readonly InvoiceNumber: unique symbol;
}

/**
 * A document number in the default format, e.g. `INV-2026-000001`. Credit notes use the same format in their
 * own series (`CN-2026-000001`).
 */
export const InvoiceNumber = t.brand(
  t.string,
  (text): text is t.Branded<string, InvoiceNumberBrand> => parseParts(text) !== undefined,
  'InvoiceNumber',
);
export type InvoiceNumber = t.TypeOf<typeof InvoiceNumber>;

export const formatInvoiceNumber = (parts: InvoiceNumberParts): InvoiceNumber => {
  const text = render(parts);
  return InvoiceNumber.is(text) ? text : bug(`${text} does not parse back`);
};

/** Splits a number into series, year and counter; none for anything that is not a canonical number. */
export const parseInvoiceNumber = (text: string): O.Option<InvoiceNumberParts> =>
  O.fromNullable(parseParts(text));
