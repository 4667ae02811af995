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

import type { Row, SqlValue } from '../model/readModel.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { IntegerColumn, JsonColumn, SmallIntegerColumn, nullable } from '../projections/columns.js';
import type { InvoiceCreditNoteView } from '../projections/invoices.js';
import {
  InvoiceCreditNoteView as InvoiceCreditNoteViewCodec,
  invoicesProjection,
} from '../projections/invoices.js';
import type { AmountText } from './money.js';
import { amountText } from './money.js';
import { decodeRows, liveTables, liveTablesAt, queryRows, readModelStamp } from './tables.js';

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

const DETAIL_COLUMNS = `${SUMMARY_COLUMNS}, totals, vat_breakdown, credit_notes, provider_sync, detail, stream_version, position, updated_at`;

const detailSqlByTable = new Map<string, string>();
const detailSql = (table: string): string => {
  let sql = detailSqlByTable.get(table);
  if (sql === undefined) {
    sql = `SELECT ${DETAIL_COLUMNS} FROM ${table} WHERE tenant_id = ? AND invoice_id = ?`;
    detailSqlByTable.set(table, sql);
  }
  return sql;
};

const TotalsColumn = t.union([FrozenTotalsCodec, t.null]);
const VatBreakdownColumn = t.union([t.readonlyArray(FrozenVatBreakdownEntryCodec), t.null]);
const CreditNotesColumn = t.readonlyArray(InvoiceCreditNoteViewCodec);

/** JSON text parsed, or `failed` when it is not JSON text. */
const failed: unique symbol = Symbol('not JSON text');
const parsedJson = (value: SqlValue | undefined): unknown => {
  if (typeof value !== 'string') return failed;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return failed;
  }
};

const isBigint = (value: unknown): value is bigint => typeof value === 'bigint';

/**
 * The detail row as the SQLite store hands back what the invoices projection wrote (bigint integers, JSON as
 * text), checked column by column with type tests instead of a full decode; undefined when anything is in any
 * other form (another driver's spelling, or a damaged row), for `InvoiceDetailQueryRow` to decode or refuse.
 * The `detail` column is checked to be a JSON object only: its content is read (and checked) by the API.
 */
const fastDetailRow = (row: Row): t.TypeOf<typeof InvoiceDetailQueryRow> | undefined => {
  const {
    invoice_id,
    number,
    status,
    customer_id,
    customer_name,
    issue_date,
    due_date,
    currency,
    payable,
    amount_paid,
    amount_credited,
    amount_written_off,
    amount_due,
    stream_version,
    position,
    updated_at,
  } = row;
  if (
    typeof invoice_id !== 'string' ||
    (number !== null && typeof number !== 'string') ||
    !InvoiceStatus.is(status) ||
    typeof customer_id !== 'string' ||
    typeof customer_name !== 'string' ||
    !CivilDate.is(issue_date) ||
    !CivilDate.is(due_date) ||
    !CurrencyCode.is(currency) ||
    (payable !== null && !isBigint(payable)) ||
    !isBigint(amount_paid) ||
    !isBigint(amount_credited) ||
    !isBigint(amount_written_off) ||
    (amount_due !== null && !isBigint(amount_due)) ||
    !isBigint(stream_version) ||
    stream_version > BigInt(Number.MAX_SAFE_INTEGER) ||
    stream_version < BigInt(Number.MIN_SAFE_INTEGER) ||
    !isBigint(position) ||
    typeof updated_at !== 'string'
  )
    return undefined;
  const totals = row['totals'] === null ? null : parsedJson(row['totals']);
  const vatBreakdown = row['vat_breakdown'] === null ? null : parsedJson(row['vat_breakdown']);
  const creditNotes = parsedJson(row['credit_notes']);
  const providerSync = parsedJson(row['provider_sync']);
  const detail = parsedJson(row['detail']);
  if (
    !TotalsColumn.is(totals) ||
    !VatBreakdownColumn.is(vatBreakdown) ||
    !CreditNotesColumn.is(creditNotes) ||
    !t.UnknownRecord.is(providerSync) ||
    typeof detail !== 'object' ||
    detail === null ||
    Array.isArray(detail)
  )
    return undefined;
  return {
    invoice_id,
    number,
    status,
    customer_id,
    customer_name,
    issue_date,
    due_date,
    currency,
    payable,
    amount_paid,
    amount_credited,
    amount_written_off,
    amount_due,
    totals,
    vat_breakdown: vatBreakdown,
    credit_notes: creditNotes,
    provider_sync: providerSync,
    detail,
    stream_version: Number(stream_version),
    position,
    updated_at,
  };
};

/** The most detail views kept per store (see `getInvoice`). */
const MAX_CACHED_VIEWS = 1_000;

interface ViewCache {
  readonly stamp: bigint;
  readonly views: Map<string, InvoiceDetailView>;
}

const viewCaches = new WeakMap<ReadModelStore, ViewCache>();

/** The views cached at `stamp` (emptied when the stamp moved), or undefined when the store has no stamp. */
const viewsAt = (
  store: ReadModelStore,
  stamp: bigint | undefined,
): Map<string, InvoiceDetailView> | undefined => {
  if (stamp === undefined) return undefined;
  let cache = viewCaches.get(store);
  if (cache?.stamp !== stamp) {
    cache = { stamp, views: new Map() };
    viewCaches.set(store, cache);
  }
  return cache.views;
};

// Unambiguous whatever the ids contain: each part is prefixed with its length.
const viewKey = (tenantId: string, invoiceId: string, asOf: CivilDate | undefined): string =>
  `${String(tenantId.length)}:${tenantId}${String(invoiceId.length)}:${invoiceId}${asOf ?? ''}`;

/**
 * One invoice of `tenantId`, or undefined (also for another tenant's invoice: the tenant is part of the key).
 * With `asOf`, `overdue` says whether it was overdue on that date.
 *
 * On a store with a change stamp (SQLite, see `readModelStamp`), the views read are kept (the last 1,000, by
 * tenant, invoice and as-of date) until the next commit to the read models: a read of an unchanged invoice is a
 * stamp check and a lookup, and returns the same (immutable) view object, which lets callers memoise what they
 * derive from it.
 */
export const getInvoice = async (
  store: ReadModelStore,
  tenantId: string,
  invoiceId: string,
  options: { readonly asOf?: CivilDate } = {},
): Promise<InvoiceDetailView | undefined> => {
  const stamp = await readModelStamp(store);
  const views = viewsAt(store, stamp);
  const key = viewKey(tenantId, invoiceId, options.asOf);
  const known = views?.get(key);
  if (known !== undefined) return known;
  const table = (await liveTablesAt(store, stamp)).name(invoicesProjection, 'invoices');
  if (table === undefined) return undefined;
  const [stored] = await store.query(detailSql(table), [tenantId, invoiceId]);
  if (stored === undefined) return undefined;
  const row = fastDetailRow(stored) ?? decodeRows(InvoiceDetailQueryRow, [stored])[0];
  if (row === undefined) return undefined;
  const view: InvoiceDetailView = {
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
  // Read at or after the stamp: if a commit came in between, the next read sees a new stamp and drops it.
  if (views !== undefined) {
    if (views.size >= MAX_CACHED_VIEWS) {
      const oldest = views.keys().next();
      if (oldest.done !== true) views.delete(oldest.value);
    }
    views.set(key, view);
  }
  return view;
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
