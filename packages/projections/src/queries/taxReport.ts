import * as t from 'io-ts';

import type {
  CivilDate,
  CurrencyCode as CurrencyCodeType,
  VatCategoryCode as VatCategoryCodeType,
} from '@accrue/domain';
import { CurrencyCode, VatCategoryCode, decimal } from '@accrue/domain';

import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn } from '../projections/columns.js';
import { taxReportProjection } from '../projections/taxReport.js';
import type { AmountText } from './money.js';
import { amountText, sumByCurrency } from './money.js';
import { liveTables, queryRows } from './tables.js';

/** One VAT category and rate in one currency: net of credit notes and voids. */
export interface TaxReportLine {
  readonly currency: CurrencyCodeType;
  readonly category: VatCategoryCodeType;
  /** Percent as a decimal string; absent for category O. */
  readonly rate: string | undefined;
  readonly taxableAmount: AmountText;
  readonly taxAmount: AmountText;
}

export interface TaxReportTotal {
  readonly currency: CurrencyCodeType;
  readonly taxableAmount: AmountText;
  readonly taxAmount: AmountText;
}

export interface TaxReport {
  readonly from: CivilDate;
  readonly to: CivilDate;
  readonly lines: ReadonlyArray<TaxReportLine>;
  readonly totals: ReadonlyArray<TaxReportTotal>;
}

const LineRow = t.type({
  currency: CurrencyCode,
  category: VatCategoryCode,
  rate: t.string,
  taxable_amount: IntegerColumn,
  tax_amount: IntegerColumn,
});
type LineRow = t.TypeOf<typeof LineRow>;

// Rates are text in the table (one spelling per value); order them by value, so 5 comes before 25.
const byCurrencyCategoryRate = (a: LineRow, b: LineRow): number => {
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
  if (a.category !== b.category) return a.category < b.category ? -1 : 1;
  if (a.rate === b.rate) return 0;
  if (a.rate === '') return -1;
  if (b.rate === '') return 1;
  return decimal(a.rate).cmp(decimal(b.rate));
};

/**
 * The VAT report for documents dated `from`–`to` (inclusive, by issue date): taxable amount and tax per
 * currency, VAT category and rate, with credit notes (and voids, on the day voided) netted as negatives, and the
 * totals per currency. The figures are sums of the documents' frozen VAT breakdowns, to the cent.
 */
export const taxReport = async (
  store: ReadModelStore,
  tenantId: string,
  from: CivilDate,
  to: CivilDate,
): Promise<TaxReport> => {
  const entries = (await liveTables(store)).name(taxReportProjection, 'entries');
  if (entries === undefined) return { from, to, lines: [], totals: [] };
  const rows = await queryRows(
    store,
    LineRow,
    `SELECT currency, category, rate,
            COALESCE(SUM(taxable_amount), 0) AS taxable_amount, COALESCE(SUM(tax_amount), 0) AS tax_amount
       FROM ${entries} WHERE tenant_id = ? AND date >= ? AND date <= ?
      GROUP BY currency, category, rate`,
    [tenantId, from, to],
  );
  const sorted = [...rows].sort(byCurrencyCategoryRate);
  const taxable = sumByCurrency(
    sorted,
    (row) => row.currency,
    (row) => row.taxable_amount,
  );
  const tax = sumByCurrency(
    sorted,
    (row) => row.currency,
    (row) => row.tax_amount,
  );
  return {
    from,
    to,
    lines: sorted.map((row) => ({
      currency: row.currency,
      category: row.category,
      rate: row.rate === '' ? undefined : row.rate,
      taxableAmount: amountText(row.taxable_amount, row.currency),
      taxAmount: amountText(row.tax_amount, row.currency),
    })),
    totals: [...taxable].map(([currency, taxableAmount]) => ({
      currency,
      taxableAmount: amountText(taxableAmount, currency),
      taxAmount: amountText(tax.get(currency) ?? 0n, currency),
    })),
  };
};
