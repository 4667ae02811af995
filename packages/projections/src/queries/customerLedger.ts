import * as t from 'io-ts';

import type { CivilDate as CivilDateType, CurrencyCode as CurrencyCodeType } from '@accrue/domain';
import { CivilDate, CurrencyCode } from '@accrue/domain';

import type { SqlValue } from '../model/readModel.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn, nullable } from '../projections/columns.js';
import type { LedgerEntryKind } from '../projections/customerLedger.js';
import {
  LedgerEntryKind as LedgerEntryKindCodec,
  customerLedgerProjection,
} from '../projections/customerLedger.js';
import type { AmountText } from './money.js';
import { amountText } from './money.js';
import { liveTables, queryRows } from './tables.js';

/** What a customer owes in one currency (negative: the customer is in credit). */
export interface CurrencyBalance {
  readonly currency: CurrencyCodeType;
  readonly balance: AmountText;
}

const BalanceRow = t.type({ currency: CurrencyCode, balance: IntegerColumn });

const balances = async (
  store: ReadModelStore,
  entries: string,
  tenantId: string,
  customerId: string,
  date: { readonly op: '<' | '<='; readonly value: CivilDateType } | undefined,
): Promise<ReadonlyMap<CurrencyCodeType, bigint>> => {
  const params: Array<SqlValue> = [tenantId, customerId];
  if (date !== undefined) params.push(date.value);
  const rows = await queryRows(
    store,
    BalanceRow,
    `SELECT currency, COALESCE(SUM(amount), 0) AS balance FROM ${entries}
      WHERE tenant_id = ? AND customer_id = ?${date === undefined ? '' : ` AND date ${date.op} ?`}
      GROUP BY currency ORDER BY currency`,
    params,
  );
  return new Map(rows.map((row) => [row.currency, row.balance]));
};

/**
 * What the customer owes, per currency, from every movement dated on or before `asOf` (all of them without it):
 * approved invoices less payments, credit notes (imported ones too, plus their refunds), voids and write-offs.
 */
export const customerBalance = async (
  store: ReadModelStore,
  tenantId: string,
  customerId: string,
  asOf?: CivilDateType,
): Promise<ReadonlyArray<CurrencyBalance>> => {
  const entries = (await liveTables(store)).name(customerLedgerProjection, 'entries');
  if (entries === undefined) return [];
  const sums = await balances(
    store,
    entries,
    tenantId,
    customerId,
    asOf === undefined ? undefined : { op: '<=', value: asOf },
  );
  return [...sums].map(([currency, balance]) => ({ currency, balance: amountText(balance, currency) }));
};

/** One line of a statement: the movement and the balance after it. */
export interface StatementLine {
  readonly entryId: string;
  readonly date: CivilDateType;
  readonly kind: LedgerEntryKind;
  readonly invoiceId: string;
  readonly invoiceNumber: string | null;
  /** The document that moved the balance: the invoice's number, or the credit note's. */
  readonly documentNumber: string | null;
  /** The payment's or refund's reference (or id), or a void's or write-off's reason. */
  readonly reference: string | null;
  /** Signed: positive charges and refunds, negative payments and credits (imported credit notes included). */
  readonly amount: AmountText;
  readonly balance: AmountText;
}

export interface CurrencyStatement {
  readonly currency: CurrencyCodeType;
  /** The balance from movements dated before `from`. */
  readonly openingBalance: AmountText;
  readonly lines: ReadonlyArray<StatementLine>;
  readonly closingBalance: AmountText;
}

export interface CustomerStatement {
  readonly customerId: string;
  /** The name on the customer's latest invoice, when there is one. */
  readonly customerName: string | undefined;
  readonly from: CivilDateType;
  readonly to: CivilDateType;
  readonly currencies: ReadonlyArray<CurrencyStatement>;
}

const StatementRow = t.type({
  entry_id: t.string,
  date: CivilDate,
  kind: LedgerEntryKindCodec,
  invoice_id: t.string,
  invoice_number: nullable(t.string),
  document_number: nullable(t.string),
  reference: nullable(t.string),
  currency: CurrencyCode,
  amount: IntegerColumn,
});

const NameRow = t.type({ customer_name: t.string });

/**
 * The customer's statement for `from`–`to` (inclusive), per currency: the opening balance (everything dated
 * before `from`), each movement in date and log order with the running balance, and the closing balance.
 */
export const customerStatement = async (
  store: ReadModelStore,
  tenantId: string,
  customerId: string,
  from: CivilDateType,
  to: CivilDateType,
): Promise<CustomerStatement> => {
  const tables = await liveTables(store);
  const entries = tables.name(customerLedgerProjection, 'entries');
  const invoices = tables.name(customerLedgerProjection, 'invoices');
  if (entries === undefined || invoices === undefined) {
    return { customerId, customerName: undefined, from, to, currencies: [] };
  }
  const opening = await balances(store, entries, tenantId, customerId, { op: '<', value: from });
  const rows = await queryRows(
    store,
    StatementRow,
    `SELECT entry_id, date, kind, invoice_id, invoice_number, document_number, reference, currency, amount
       FROM ${entries} WHERE tenant_id = ? AND customer_id = ? AND date >= ? AND date <= ?
      ORDER BY date, position, entry_id`,
    [tenantId, customerId, from, to],
  );
  const [name] = await queryRows(
    store,
    NameRow,
    `SELECT customer_name FROM ${invoices} WHERE tenant_id = ? AND customer_id = ?
      ORDER BY issue_date DESC, invoice_id DESC LIMIT 1`,
    [tenantId, customerId],
  );
  const currencies = [...new Set([...opening.keys(), ...rows.map((row) => row.currency)])].sort();
  return {
    customerId,
    customerName: name?.customer_name,
    from,
    to,
    currencies: currencies.map((currency) => {
      const openingBalance = opening.get(currency) ?? 0n;
      let balance = openingBalance;
      const lines = rows
        .filter((row) => row.currency === currency)
        .map((row): StatementLine => {
          balance += row.amount;
          return {
            entryId: row.entry_id,
            date: row.date,
            kind: row.kind,
            invoiceId: row.invoice_id,
            invoiceNumber: row.invoice_number,
            documentNumber: row.document_number,
            reference: row.reference,
            amount: amountText(row.amount, currency),
            balance: amountText(balance, currency),
          };
        });
      return {
        currency,
        openingBalance: amountText(openingBalance, currency),
        lines,
        closingBalance: amountText(balance, currency),
      };
    }),
  };
};
