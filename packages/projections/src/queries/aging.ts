import * as t from 'io-ts';

import type { CivilDate as CivilDateType, CurrencyCode as CurrencyCodeType } from '@accrue/domain';
import { CivilDate, CurrencyCode, daysBetween } from '@accrue/domain';

import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn, nullable } from '../projections/columns.js';
import { customerLedgerProjection } from '../projections/customerLedger.js';
import type { AmountText } from './money.js';
import { amountText } from './money.js';
import { liveTables, queryRows } from './tables.js';

/** The aging buckets, by days past the due date on the as-of date. */
export type AgingBucket = 'current' | 'days1to30' | 'days31to60' | 'days61to90' | 'over90';

export const AGING_BUCKETS: ReadonlyArray<AgingBucket> = [
  'current',
  'days1to30',
  'days31to60',
  'days61to90',
  'over90',
];

/** Not yet due (0 days or less past due), 1–30, 31–60, 61–90, over 90 days past due. */
export const agingBucket = (daysPastDue: number): AgingBucket => {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'days1to30';
  if (daysPastDue <= 60) return 'days31to60';
  if (daysPastDue <= 90) return 'days61to90';
  return 'over90';
};

export type AgingBuckets = Readonly<Record<AgingBucket, AmountText>> & { readonly total: AmountText };

export interface AgingCurrencyRow {
  readonly currency: CurrencyCodeType;
  readonly buckets: AgingBuckets;
}

export interface AgingCustomerRow extends AgingCurrencyRow {
  readonly customerId: string;
  readonly customerName: string;
}

/** One invoice still due on the as-of date, with the bucket it falls in. */
export interface AgingInvoiceRow {
  readonly invoiceId: string;
  readonly number: string | null;
  readonly customerId: string;
  readonly currency: CurrencyCodeType;
  readonly dueDate: CivilDateType;
  readonly daysPastDue: number;
  readonly bucket: AgingBucket;
  readonly amountDue: AmountText;
}

export interface AgingReport {
  readonly asOf: CivilDateType;
  /** Totals per currency (currencies never mix). */
  readonly currencies: ReadonlyArray<AgingCurrencyRow>;
  readonly customers: ReadonlyArray<AgingCustomerRow>;
  readonly invoices: ReadonlyArray<AgingInvoiceRow>;
}

const DueRow = t.type({
  invoice_id: t.string,
  number: nullable(t.string),
  customer_id: t.string,
  customer_name: t.string,
  currency: CurrencyCode,
  due_date: CivilDate,
  amount_due: IntegerColumn,
  charges: IntegerColumn,
});

type Sums = Record<AgingBucket, bigint>;
const zeroSums = (): Sums => ({ current: 0n, days1to30: 0n, days31to60: 0n, days61to90: 0n, over90: 0n });

const formatBuckets = (sums: Sums, currency: CurrencyCodeType): AgingBuckets => {
  const total = AGING_BUCKETS.reduce((sum, bucket) => sum + sums[bucket], 0n);
  return {
    current: amountText(sums.current, currency),
    days1to30: amountText(sums.days1to30, currency),
    days31to60: amountText(sums.days31to60, currency),
    days61to90: amountText(sums.days61to90, currency),
    over90: amountText(sums.over90, currency),
    total: amountText(total, currency),
  };
};

/**
 * Accounts receivable aging as of `asOf`: what each invoice still owed on that date — its charge (issue date on
 * or before `asOf`) less the payments, credit notes, void and write-off dated on or before `asOf` — by days past
 * its due date. Void and written-off invoices owe nothing from their day on, so they drop out. The day arithmetic
 * is done here (civil dates), not in SQL, so the query runs the same on SQLite and PostgreSQL.
 */
export const agingReport = async (
  store: ReadModelStore,
  tenantId: string,
  asOf: CivilDateType,
): Promise<AgingReport> => {
  const tables = await liveTables(store);
  const entries = tables.name(customerLedgerProjection, 'entries');
  const invoices = tables.name(customerLedgerProjection, 'invoices');
  if (entries === undefined || invoices === undefined) {
    return { asOf, currencies: [], customers: [], invoices: [] };
  }
  const rows = await queryRows(
    store,
    DueRow,
    `SELECT e.invoice_id, i.number, i.customer_id, i.customer_name, e.currency, i.due_date,
            COALESCE(SUM(e.amount), 0) AS amount_due,
            COALESCE(SUM(CASE WHEN e.kind = 'invoice' THEN 1 ELSE 0 END), 0) AS charges
       FROM ${entries} e
       JOIN ${invoices} i ON i.tenant_id = e.tenant_id AND i.invoice_id = e.invoice_id
      WHERE e.tenant_id = ? AND e.date <= ?
      GROUP BY e.invoice_id, i.number, i.customer_id, i.customer_name, e.currency, i.due_date
      ORDER BY e.currency, i.customer_id, i.due_date, e.invoice_id`,
    [tenantId, asOf],
  );
  // Only invoices charged by then, with something still due (a payment dated before the issue date is no debt).
  const due = rows.filter((row) => row.charges > 0n && row.amount_due > 0n);
  const byCurrency = new Map<CurrencyCodeType, Sums>();
  const byCustomer = new Map<string, { row: (typeof due)[number]; sums: Sums }>();
  const invoiceRows = due.map((row): AgingInvoiceRow => {
    const daysPastDue = daysBetween(row.due_date, asOf);
    const bucket = agingBucket(daysPastDue);
    const currencySums = byCurrency.get(row.currency) ?? zeroSums();
    currencySums[bucket] += row.amount_due;
    byCurrency.set(row.currency, currencySums);
    const customerKey = JSON.stringify([row.customer_id, row.currency]);
    const customer = byCustomer.get(customerKey) ?? { row, sums: zeroSums() };
    customer.sums[bucket] += row.amount_due;
    byCustomer.set(customerKey, customer);
    return {
      invoiceId: row.invoice_id,
      number: row.number,
      customerId: row.customer_id,
      currency: row.currency,
      dueDate: row.due_date,
      daysPastDue,
      bucket,
      amountDue: amountText(row.amount_due, row.currency),
    };
  });
  return {
    asOf,
    currencies: [...byCurrency].map(([currency, sums]) => ({
      currency,
      buckets: formatBuckets(sums, currency),
    })),
    customers: [...byCustomer.values()].map(({ row, sums }) => ({
      customerId: row.customer_id,
      customerName: row.customer_name,
      currency: row.currency,
      buckets: formatBuckets(sums, row.currency),
    })),
    invoices: invoiceRows,
  };
};
