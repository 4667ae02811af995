import * as E from 'fp-ts/lib/Either.js';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { CivilDate as CivilDateType } from './civilDate.js';
import { CivilDate, addDays, compareCivilDates, daysBetween, yearOfCivilDate } from './civilDate.js';
import { Timestamp, civilDateOf } from './timestamp.js';

const date = (text: string): CivilDateType => {
  if (!CivilDate.is(text)) throw new Error(`${text} is not a civil date`);
  return text;
};

const plus = (text: string, days: number): string => {
  const result = addDays(date(text), days);
  if (E.isLeft(result)) throw new Error(`${text} + ${days} is out of range`);
  return result.right;
};

describe('civil dates', () => {
  it.each(['2026-03-01', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (text) => {
    expect(CivilDate.is(text)).toBe(true);
  });

  it.each([
    '2026-02-29', // not a leap year
    '1900-02-29', // divisible by 100, not by 400
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '0000-01-01',
    '2026-3-1',
    '2026-03-01T00:00:00Z',
    ' 2026-03-01',
  ])('refuses %s', (text) => {
    expect(CivilDate.is(text)).toBe(false);
  });

  it('adds days across months, years and leap days', () => {
    expect(plus('2026-03-01', 30)).toBe('2026-03-31');
    expect(plus('2026-01-31', 1)).toBe('2026-02-01');
    expect(plus('2026-12-15', 30)).toBe('2027-01-14');
    expect(plus('2028-02-20', 10)).toBe('2028-03-01');
    expect(plus('2027-02-20', 10)).toBe('2027-03-02');
    expect(plus('2026-03-01', -1)).toBe('2026-02-28');
    expect(plus('2026-03-01', 0)).toBe('2026-03-01');
  });

  it('refuses to leave years 0001–9999', () => {
    expect(E.isLeft(addDays(date('9999-12-31'), 1))).toBe(true);
    expect(E.isLeft(addDays(date('0001-01-01'), -1))).toBe(true);
  });

  it('agrees with itself: adding n days puts the dates n days apart, in calendar order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: -4000, max: 4000 }),
        (year, month, day, days) => {
          const start = date(
            `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
          );
          const end = addDays(start, days);
          if (E.isLeft(end)) return;
          expect(daysBetween(start, end.right)).toBe(days);
          expect(compareCivilDates(end.right, start)).toBe(Math.sign(days));
        },
      ),
    );
  });

  it('counts 365 or 366 days per year', () => {
    expect(daysBetween(date('2026-01-01'), date('2027-01-01'))).toBe(365);
    expect(daysBetween(date('2028-01-01'), date('2029-01-01'))).toBe(366);
    expect(daysBetween(date('2000-01-01'), date('2100-01-01'))).toBe(36525);
    expect(yearOfCivilDate(date('2026-03-01'))).toBe(2026);
  });
});

describe('timestamps', () => {
  it.each([
    '2026-03-01T09:30:00Z',
    '2026-03-01T09:30:00.123Z',
    '2026-03-01T23:30:00-05:00',
    '2024-02-29T00:00:00+14:00',
  ])('accepts %s', (text) => {
    expect(Timestamp.is(text)).toBe(true);
  });

  it.each([
    '2026-03-01',
    '2026-03-01T09:30:00', // no offset: a local time of nowhere
    '2026-02-30T09:30:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01 09:30:00Z',
    '2026-03-01T09:30:60Z',
  ])('refuses %s', (text) => {
    expect(Timestamp.is(text)).toBe(false);
  });

  it('takes the date as written, in the offset the timestamp carries', () => {
    const late = '2026-12-31T23:30:00-05:00';
    if (!Timestamp.is(late)) throw new Error('fixture');
    expect(civilDateOf(late)).toBe('2026-12-31');
  });
});
