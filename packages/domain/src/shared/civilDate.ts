import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { bug } from './bug.js';

/**
 * Civil (calendar) dates as ISO 8601 `YYYY-MM-DD` strings, in the proleptic Gregorian calendar, years 0001 to
 * 9999. Pure integer arithmetic: the domain never builds a `Date`, whose meaning depends on the machine's time
 * zone, and a due date is a date on the calendar, not an instant.
 */

const DATE_PATTERN = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
};

interface CivilFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const parseFields = (text: string): CivilFields | undefined => {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
};

export interface CivilDateBrand {
  readonly CivilDate: unique symbol;
}

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-29), years 0001 to 9999. Compares as a string. */
export const CivilDate = t.brand(
  t.string,
  (text): text is t.Branded<string, CivilDateBrand> => parseFields(text) !== undefined,
  'CivilDate',
);
export type CivilDate = t.TypeOf<typeof CivilDate>;

export interface DateOutOfRange {
  readonly _tag: 'DateOutOfRange';
  readonly date: CivilDate;
  readonly days: number;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** Days since 1970-01-01 (H. Hinnant's `days_from_civil`, integer-only and exact for every Gregorian date). */
const daysFromCivil = ({ year, month, day }: CivilFields): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
};

/** The inverse of `daysFromCivil` (`civil_from_days`). */
const civilFromDays = (days: number): CivilFields => {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
};

const fieldsOf = (date: CivilDate): CivilFields =>
  parseFields(date) ?? bug(`civil date ${date} passed the codec but does not parse`);

/** The date `days` days after `date` (before, when negative); refused outside years 0001–9999. */
export const addDays = (date: CivilDate, days: number): E.Either<DateOutOfRange, CivilDate> => {
  if (!Number.isSafeInteger(days)) return E.left({ _tag: 'DateOutOfRange', date, days });
  const { year, month, day } = civilFromDays(daysFromCivil(fieldsOf(date)) + days);
  const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  return year >= 1 && year <= 9999 && CivilDate.is(text)
    ? E.right(text)
    : E.left({ _tag: 'DateOutOfRange', date, days });
};

/** The number of days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: CivilDate, to: CivilDate): number =>
  daysFromCivil(fieldsOf(to)) - daysFromCivil(fieldsOf(from));

/** Four-digit years make the ISO string order the calendar order. */
export const compareCivilDates = (a: CivilDate, b: CivilDate): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);

export const yearOfCivilDate = (date: CivilDate): number => fieldsOf(date).year;
