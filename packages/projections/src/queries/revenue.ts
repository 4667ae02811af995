import * as t from 'io-ts';

import type { CurrencyCode as CurrencyCodeType } from '@accrue/domain';
import { CurrencyCode } from '@accrue/domain';

import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn } from '../projections/columns.js';
import { revenueProjection } from '../projections/revenue.js';
import type { AmountText } from './money.js';
import { amountText } from './money.js';
import { liveTables, queryRows } from './tables.js';

export interface YearMonthBrand {
  readonly YearMonth: unique symbol;
}

/** A calendar month `YYYY-MM` (01–12); compares as text in calendar order. */
export const YearMonth = t.brand(
  t.string,
  (text): text is t.Branded<string, YearMonthBrand> => /^[0-9]{4}-(0[1-9]|1[0-2])$/.test(text),
  'YearMonth',
);
export type YearMonth = t.TypeOf<typeof YearMonth>;

export interface RevenueRow {
  readonly month: YearMonth;
  readonly currency: CurrencyCodeType;
  /** Invoiced in the month (payables by issue month), less credit notes (imported ones too) and voids of the month. */
  readonly approved: AmountText;
  /** Payments by the month they were paid, less refunds (payments against imported credit notes). */
  readonly paid: AmountText;
}

const MonthRow = t.type({
  month: YearMonth,
  currency: CurrencyCode,
  approved: IntegerColumn,
  paid: IntegerColumn,
});

/** Revenue per month and currency for the months `from`–`to` (inclusive); months without movements are absent. */
export const revenue = async (
  store: ReadModelStore,
  tenantId: string,
  from: YearMonth,
  to: YearMonth,
): Promise<ReadonlyArray<RevenueRow>> => {
  const entries = (await liveTables(store)).name(revenueProjection, 'entries');
  if (entries === undefined) return [];
  const rows = await queryRows(
    store,
    MonthRow,
    `SELECT month, currency, COALESCE(SUM(approved), 0) AS approved, COALESCE(SUM(paid), 0) AS paid
       FROM ${entries} WHERE tenant_id = ? AND month >= ? AND month <= ?
      GROUP BY month, currency ORDER BY month, currency`,
    [tenantId, from, to],
  );
  return rows.map((row) => ({
    month: row.month,
    currency: row.currency,
    approved: amountText(row.approved, row.currency),
    paid: amountText(row.paid, row.currency),
  }));
};
