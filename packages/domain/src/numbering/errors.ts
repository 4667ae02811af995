import type { TenantId } from '../shared/ids.js';
import type { Counter, Series, Year } from './format.js';

/** The command names another tenant, series or year than the stream holds: a routing bug in the caller. */
export interface WrongNumberSeries {
  readonly _tag: 'WrongNumberSeries';
  readonly expected: { readonly tenantId: TenantId; readonly series: Series; readonly year: Year };
  readonly actual: { readonly tenantId: TenantId; readonly series: Series; readonly year: Year };
}

/** Only a number that was handed out can be annulled. */
export interface NumberNotReserved {
  readonly _tag: 'NumberNotReserved';
  readonly series: Series;
  readonly year: Year;
  readonly counter: Counter;
}

export type NumberSeriesError = WrongNumberSeries | NumberNotReserved;

export const wrongNumberSeries = (
  expected: WrongNumberSeries['expected'],
  actual: WrongNumberSeries['actual'],
): WrongNumberSeries => ({ _tag: 'WrongNumberSeries', expected, actual });

export const numberNotReserved = (series: Series, year: Year, counter: Counter): NumberNotReserved => ({
  _tag: 'NumberNotReserved',
  series,
  year,
  counter,
});
