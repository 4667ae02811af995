import * as E from 'fp-ts/lib/Either.js';
import * as J from 'fp-ts/lib/Json.js';
import * as t from 'io-ts';

import type {
  FrozenTotals,
  FrozenVatBreakdownEntry,
  InvoiceStatus as InvoiceStatusType,
} from '@accrue/domain';
import {
  CivilDate,
  CurrencyCode,
  FrozenTotals as FrozenTotalsCodec,
  FrozenVatBreakdownEntry as FrozenVatBreakdownEntryCodec,
  InvoiceStatus,
} from '@accrue/domain';

import type { SqlValue } from '../model/readModel.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn, JsonColumn, SmallIntegerColumn, nullable } from '../projections/columns.js';
import type { InvoiceCreditNoteView } from '../projections/invoices.js';
import {
  InvoiceCreditNoteView as InvoiceCreditNoteViewCodec,
  invoicesProjection,
} from '../projections/invoices.js';
import type { AmountText } from './money.js';
import { amountText } from './money.js';
import { liveTables, queryRows } from './tables.js';

// The detail stays the JSON the projection wrote (content in its wire form): the API passes it on as it is.
const InvoiceQueryRow = t.type({
  invoice_id: t.string,
  number: nullable(t.string),
  status: InvoiceStatus,
  customer_id: t.string,
  customer_name: t.string,
  issue_date: CivilDate,
  due_date: CivilDate,
  currency: CurrencyCode,
  payable: nullable(IntegerColumn),
  amount_paid: IntegerColumn,
  amount_credited: IntegerColumn,
  amount_written_off: IntegerColumn,
  amount_due: nullable(IntegerColumn),
});
type InvoiceQueryRow = t.TypeOf<typeof InvoiceQueryRow>;

const InvoiceDetailQueryRow = t.intersection([
  InvoiceQueryRow,
  t.type({
    totals: nullable(JsonColumn(FrozenTotalsCodec)),
    vat_breakdown: nullable(JsonColumn(t.readonlyArray(FrozenVatBreakdownEntryCodec))),
    credit_notes: JsonColumn(t.readonlyArray(InvoiceCreditNoteViewCodec)),
    provider_sync: JsonColumn(t.UnknownRecord),
    detail: JsonColumn(t.unknown),
    stream_version: SmallIntegerColumn,
    position: IntegerColumn,
    updated_at: t.string,
  }),
]);

const SUMMARY_COLUMNS =
  'invoice_id, number, status, customer_id, customer_name, issue_date, due_date, currency, payable, ' +
  'amount_paid, amount_credited, amount_written_off, amount_due';

/** Statuses in which an invoice can be overdue: issued, not settled, not ended. */
const OPEN_STATUSES: ReadonlyArray<InvoiceStatusType> = ['approved', 'sent', 'partially_paid'];

/** An invoice as lists show it. Amounts are decimal strings in `currency`; `payable` and `amountDue` null for drafts. */
export interface InvoiceSummary {
  readonly invoiceId: string;
  readonly number: string | null;
  readonly status: InvoiceStatusType;
  /**
   * Open (approved, sent or partially paid), something still due, and the due date before the as-of date.
   * Derived, never stored; `undefined` when the query was given no as-of date.
   */
  readonly overdue: boolean | undefined;
  readonly customer: { readonly id: string; readonly name: string };
  readonly issueDate: CivilDate;
  readonly dueDate: CivilDate;
  readonly currency: CurrencyCode;
  readonly payable: AmountText | null;
  readonly amountPaid: AmountText;
  readonly amountCredited: AmountText;
  readonly amountWrittenOff: AmountText;
  readonly amountDue: AmountText | null;
}

/** An invoice with everything the detail view shows. */
export interface InvoiceDetailView extends InvoiceSummary {
  readonly totals: FrozenTotals | null;
  readonly vatBreakdown: ReadonlyArray<FrozenVatBreakdownEntry> | null;
  readonly creditNotes: ReadonlyArray<InvoiceCreditNoteView>;
  /** Provider sync status by provider (empty until provider sync events exist). */
  readonly providerSync: Readonly<Record<string, unknown>>;
  /** Content (customer, lines…) in its wire form, channels, payments, and the lifecycle's reasons and times. */
  readonly detail: unknown;
  readonly streamVersion: number;
  /** The global log position of the last event applied to this invoice. */
  readonly position: bigint;
  readonly updatedAt: string;
}

const isOverdue = (row: InvoiceQueryRow, asOf: CivilDate | undefined): boolean | undefined =>
  asOf === undefined
    ? undefined
    : OPEN_STATUSES.includes(row.status) &&
      row.amount_due !== null &&
      row.amount_due > 0n &&
      row.due_date < asOf;

const toSummary = (row: InvoiceQueryRow, asOf: CivilDate | undefined): InvoiceSummary => ({
  invoiceId: row.invoice_id,
  number: row.number,
  status: row.status,
  overdue: isOverdue(row, asOf),
  customer: { id: row.customer_id, name: row.customer_name },
  issueDate: row.issue_date,
  dueDate: row.due_date,
  currency: row.currency,
  payable: row.payable === null ? null : amountText(row.payable, row.currency),
  amountPaid: amountText(row.amount_paid, row.currency),
  amountCredited: amountText(row.amount_credited, row.currency),
  amountWrittenOff: amountText(row.amount_written_off, row.currency),
  amountDue: row.amount_due === null ? null : amountText(row.amount_due, row.currency),
});

/**
 * One invoice of `tenantId`, or undefined (also for another tenant's invoice: the tenant is part of the key).
 * With `asOf`, `overdue` says whether it was overdue on that date.
 */
export const getInvoice = async (
  store: ReadModelStore,
  tenantId: string,
  invoiceId: string,
  options: { readonly asOf?: CivilDate } = {},
): Promise<InvoiceDetailView | undefined> => {
  const table = (await liveTables(store)).name(invoicesProjection, 'invoices');
  if (table === undefined) return undefined;
  const [row] = await queryRows(
    store,
    InvoiceDetailQueryRow,
    `SELECT ${SUMMARY_COLUMNS}, totals, vat_breakdown, credit_notes, provider_sync, detail, stream_version, position, updated_at
       FROM ${table} WHERE tenant_id = ? AND invoice_id = ?`,
    [tenantId, invoiceId],
  );
  if (row === undefined) return undefined;
  return {
    ...toSummary(row, options.asOf),
    totals: row.totals,
    vatBreakdown: row.vat_breakdown,
    creditNotes: row.credit_notes,
    providerSync: row.provider_sync,
    detail: row.detail,
    streamVersion: row.stream_version,
    position: row.position,
    updatedAt: row.updated_at,
  };
};

/** The most a page holds, whatever `first` asks for. */
export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export interface ListInvoicesOptions {
  /** Page size, capped at 100 (default 20). */
  readonly first?: number;
  /** The `endCursor` of the previous page. */
  readonly after?: string;
  /** A lifecycle status, or `overdue` (derived: needs `asOf`). */
  readonly status?: InvoiceStatusType | 'overdue';
  readonly customerId?: string;
  /** Issue date from (inclusive). */
  readonly from?: CivilDate;
  /** Issue date to (inclusive). */
  readonly to?: CivilDate;
  /** The date `overdue` is judged on. */
  readonly asOf?: CivilDate;
}

export interface InvoiceEdge {
  readonly cursor: string;
  readonly node: InvoiceSummary;
}

/** A page of invoices, Relay style. */
export interface InvoiceConnection {
  readonly edges: ReadonlyArray<InvoiceEdge>;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | undefined };
}

/** A cursor this query did not make (or made for another order). */
export interface InvalidCursor {
  readonly _tag: 'InvalidCursor';
  readonly cursor: string;
}

/** `overdue` is judged on a date, and none was given. */
export interface AsOfRequired {
  readonly _tag: 'AsOfRequired';
  readonly status: 'overdue';
}

export type ListInvoicesError = InvalidCursor | AsOfRequired;

// The list's order is newest issue date first, then invoice id: the cursor is that pair, opaque to clients.
const CursorPosition = t.tuple([CivilDate, t.string]);

const encodeCursor = (row: InvoiceQueryRow): string =>
  Buffer.from(JSON.stringify([row.issue_date, row.invoice_id]), 'utf8').toString('base64url');

const decodeCursor = (cursor: string): E.Either<InvalidCursor, t.TypeOf<typeof CursorPosition>> => {
  const invalid: InvalidCursor = { _tag: 'InvalidCursor', cursor };
  const parsed = J.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (E.isLeft(parsed)) return E.left(invalid);
  const position = CursorPosition.decode(parsed.right);
  return E.isRight(position) ? E.right(position.right) : E.left(invalid);
};

const pageSize = (first: number | undefined): number =>
  first === undefined || !Number.isFinite(first)
    ? DEFAULT_PAGE_SIZE
    : Math.min(Math.max(Math.trunc(first), 0), MAX_PAGE_SIZE);

/**
 * A page of `tenantId`'s invoices, newest issue date first, filtered by status (or `overdue` as of `asOf`),
 * customer and issue date range. Keyset pagination: a page never repeats or skips a row because rows were added
 * before it.
 */
export const listInvoices = async (
  store: ReadModelStore,
  tenantId: string,
  options: ListInvoicesOptions = {},
): Promise<E.Either<ListInvoicesError, InvoiceConnection>> => {
  const { after, status, customerId, from, to, asOf } = options;
  const first = pageSize(options.first);
  const conditions: Array<string> = ['tenant_id = ?'];
  const params: Array<SqlValue> = [tenantId];
  if (status === 'overdue') {
    if (asOf === undefined) return E.left({ _tag: 'AsOfRequired', status });
    conditions.push(
      `status IN (${OPEN_STATUSES.map(() => '?').join(', ')})`,
      'amount_due > 0',
      'due_date < ?',
    );
    params.push(...OPEN_STATUSES, asOf);
  } else if (status !== undefined) {
    conditions.push('status = ?');
    params.push(status);
  }
  if (customerId !== undefined) {
    conditions.push('customer_id = ?');
    params.push(customerId);
  }
  if (from !== undefined) {
    conditions.push('issue_date >= ?');
    params.push(from);
  }
  if (to !== undefined) {
    conditions.push('issue_date <= ?');
    params.push(to);
  }
  if (after !== undefined) {
    const position = decodeCursor(after);
    if (E.isLeft(position)) return position;
    const [issueDate, invoiceId] = position.right;
    conditions.push('(issue_date < ? OR (issue_date = ? AND invoice_id < ?))');
    params.push(issueDate, issueDate, invoiceId);
  }
  const table = (await liveTables(store)).name(invoicesProjection, 'invoices');
  if (table === undefined || first === 0) {
    return E.right({ edges: [], pageInfo: { hasNextPage: false, endCursor: undefined } });
  }
  // One row more than asked for says whether there is a next page.
  const rows = await queryRows(
    store,
    InvoiceQueryRow,
    `SELECT ${SUMMARY_COLUMNS} FROM ${table} WHERE ${conditions.join(' AND ')}
      ORDER BY issue_date DESC, invoice_id DESC LIMIT ?`,
    [...params, first + 1],
  );
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: encodeCursor(row), node: toSummary(row, asOf) }));
  return E.right({
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor },
  });
};
