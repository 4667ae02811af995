import * as t from 'io-ts';

import type { SqlValue } from '../model/readModel.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { SmallIntegerColumn, nullable } from '../projections/columns.js';
import type { NumberStatus } from '../projections/numberRegister.js';
import {
  NumberStatus as NumberStatusCodec,
  numberRegisterProjection,
} from '../projections/numberRegister.js';
import { liveTables, queryRows } from './tables.js';

export interface RegisteredNumber {
  readonly series: string;
  readonly year: number;
  readonly counter: number;
  readonly number: string;
  readonly invoiceId: string;
  readonly status: NumberStatus;
  readonly reservedAt: string | null;
  readonly issuedAt: string | null;
  readonly annulledAt: string | null;
  readonly annulmentReason: string | null;
}

const NumberQueryRow = t.type({
  series: t.string,
  year: SmallIntegerColumn,
  counter: SmallIntegerColumn,
  number: t.string,
  invoice_id: t.string,
  status: NumberStatusCodec,
  reserved_at: nullable(t.string),
  issued_at: nullable(t.string),
  annulled_at: nullable(t.string),
  annulment_reason: nullable(t.string),
});

/** The tenant's numbers in series, year and counter order, optionally for one series and/or year. */
export const numberRegister = async (
  store: ReadModelStore,
  tenantId: string,
  filter: { readonly series?: string; readonly year?: number } = {},
): Promise<ReadonlyArray<RegisteredNumber>> => {
  const numbers = (await liveTables(store)).name(numberRegisterProjection, 'numbers');
  if (numbers === undefined) return [];
  const conditions = ['tenant_id = ?'];
  const params: Array<SqlValue> = [tenantId];
  if (filter.series !== undefined) {
    conditions.push('series = ?');
    params.push(filter.series);
  }
  if (filter.year !== undefined) {
    conditions.push('year = ?');
    params.push(filter.year);
  }
  const rows = await queryRows(
    store,
    NumberQueryRow,
    `SELECT series, year, counter, number, invoice_id, status, reserved_at, issued_at, annulled_at, annulment_reason
       FROM ${numbers} WHERE ${conditions.join(' AND ')} ORDER BY series, year, counter`,
    params,
  );
  return rows.map((row) => ({
    series: row.series,
    year: row.year,
    counter: row.counter,
    number: row.number,
    invoiceId: row.invoice_id,
    status: row.status,
    reservedAt: row.reserved_at,
    issuedAt: row.issued_at,
    annulledAt: row.annulled_at,
    annulmentReason: row.annulment_reason,
  }));
};
