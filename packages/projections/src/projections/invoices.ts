/**
 * The invoice list and detail view: one row per invoice, folded from its stream the way the aggregate folds it
 * (`evolveInvoice`), plus the credit notes issued against it.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { CreditNoteIssued, InvoiceEvent } from '@accrue/domain';
import {
  CivilDate,
  CurrencyCode,
  DecimalString,
  FrozenTotals,
  FrozenVatBreakdownEntry,
  InvoiceContent,
  InvoiceStatus,
  calculateInvoice,
  freezeAmount,
  freezeDecimal,
  freezeTotals,
  freezeVatBreakdown,
  toCalculationInput,
} from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change, Row, RowRequest, TableSpec } from '../model/readModel.js';
import {
  IntegerColumn,
  JsonColumn,
  SmallIntegerColumn,
  encodedRow,
  fetched,
  nullable,
  rowWithLazyColumns,
} from './columns.js';
import { alreadyApplied, minorUnits, tenantOf } from './common.js';

/** A payment as the detail shows it. */
export const InvoicePaymentView = t.intersection(
  [
    t.strict({ paymentId: t.string, amount: DecimalString, paidAt: t.string, recordedAt: t.string }),
    t.partial({ reference: t.string }),
  ],
  'InvoicePaymentView',
);
export type InvoicePaymentView = t.TypeOf<typeof InvoicePaymentView>;

/**
 * A credit note against the invoice. Issue (credit note stream) and application (invoice stream) are separate
 * events, possibly seen in either order, so each fills in its own fields.
 */
export const InvoiceCreditNoteView = t.intersection(
  [
    t.strict({ creditNoteId: t.string }),
    t.partial({
      number: t.string,
      issueDate: CivilDate,
      reason: t.string,
      /** The credit note's payable amount, as issued. */
      issuedAmount: DecimalString,
      /** The amount taken off the invoice's amount due. */
      appliedAmount: DecimalString,
      appliedAt: t.string,
    }),
  ],
  'InvoiceCreditNoteView',
);
export type InvoiceCreditNoteView = t.TypeOf<typeof InvoiceCreditNoteView>;

/** One line's calculated figures (see `InvoiceFigures`), by the line's index in the content. */
export const InvoiceLineFigures = t.strict(
  {
    /** BT-146 as calculated (the entered net price, or gross less discount). */
    netPrice: DecimalString,
    /** BT-131 */
    netAmount: DecimalString,
    /** Each line allowance's and charge's amount, by index (percentage ones computed). */
    allowances: t.readonlyArray(DecimalString),
    charges: t.readonlyArray(DecimalString),
  },
  'InvoiceLineFigures',
);
export type InvoiceLineFigures = t.TypeOf<typeof InvoiceLineFigures>;

/**
 * What the content calculates to (`calculateInvoice` with the content's rounding), worked out when the content
 * changes so that reads never recalculate: line net prices and net amounts, every allowance's and charge's amount,
 * the totals and the VAT breakdown, as decimal strings in the currency's scale. `null` when the content does not
 * calculate (a draft may be work in progress). Absent on rows written before the projection stored it: readers
 * then calculate for themselves.
 *
 * Issued invoices keep their frozen totals and breakdown (the `totals` and `vat_breakdown` columns); these
 * figures are the calculation of the content as it was when last drafted or revised.
 */
export const InvoiceFigures = t.strict(
  {
    lines: t.readonlyArray(InvoiceLineFigures),
    allowances: t.readonlyArray(DecimalString),
    charges: t.readonlyArray(DecimalString),
    totals: FrozenTotals,
    vatBreakdown: t.readonlyArray(FrozenVatBreakdownEntry),
  },
  'InvoiceFigures',
);
export type InvoiceFigures = t.TypeOf<typeof InvoiceFigures>;

/** The figures of `content`, or null when it does not calculate. */
export const invoiceFigures = (content: InvoiceContent): InvoiceFigures | null => {
  const calculated = calculateInvoice(toCalculationInput(content), { rounding: content.rounding });
  if (E.isLeft(calculated)) return null;
  const { currency, lines, allowances, charges, totals, vatBreakdown } = calculated.right;
  const amount = (entry: { readonly amount: bigint }): DecimalString => freezeAmount(entry.amount, currency);
  return {
    lines: lines.map((line) => ({
      netPrice: freezeDecimal(line.netPrice),
      netAmount: freezeAmount(line.netAmount, currency),
      allowances: line.allowances.map(amount),
      charges: line.charges.map(amount),
    })),
    allowances: allowances.map(amount),
    charges: charges.map(amount),
    totals: freezeTotals(totals, content.currency),
    vatBreakdown: freezeVatBreakdown(vatBreakdown, content.currency),
  };
};

/** Everything else the detail page shows: the content as drafted and frozen, and the lifecycle's facts. */
const InvoiceDetail = t.intersection(
  [
    t.strict({
      content: InvoiceContent,
      createdAt: t.string,
      channels: t.readonlyArray(t.string),
      deliveredChannels: t.readonlyArray(t.string),
      payments: t.readonlyArray(InvoicePaymentView),
    }),
    t.partial({
      /** The content's calculated figures (see `InvoiceFigures`); written with every content change. */
      figures: t.union([InvoiceFigures, t.null]),
      series: t.string,
      year: t.number,
      counter: t.number,
      approvedAt: t.string,
      settledAt: t.string,
      voided: t.strict({ reason: t.string, voidedAt: t.string }),
      writtenOff: t.strict({ amount: DecimalString, reason: t.string, writtenOffAt: t.string }),
    }),
  ],
  'InvoiceDetail',
);
type InvoiceDetail = t.TypeOf<typeof InvoiceDetail>;

/** Provider sync status, filled by the ProviderSync events of a later issue; an empty object until then. */
export const ProviderSyncView = t.UnknownRecord;

/** The stored row, decoded. Money is bigint minor units; `payable` and `amount_due` are null for drafts. */
const InvoiceRow = t.type(
  {
    tenant_id: t.string,
    invoice_id: t.string,
    number: nullable(t.string),
    status: InvoiceStatus,
    customer_id: t.string,
    customer_name: t.string,
    issue_date: CivilDate,
    due_date: CivilDate,
    currency: CurrencyCode,
    totals: nullable(JsonColumn(FrozenTotals)),
    vat_breakdown: nullable(JsonColumn(t.readonlyArray(FrozenVatBreakdownEntry))),
    payable: nullable(IntegerColumn),
    amount_paid: IntegerColumn,
    amount_credited: IntegerColumn,
    amount_written_off: IntegerColumn,
    amount_due: nullable(IntegerColumn),
    credit_notes: JsonColumn(t.readonlyArray(InvoiceCreditNoteView)),
    provider_sync: JsonColumn(ProviderSyncView),
    detail: JsonColumn(InvoiceDetail),
    stream_version: SmallIntegerColumn,
    position: IntegerColumn,
    updated_at: t.string,
  },
  'InvoiceRow',
);
type InvoiceRow = t.TypeOf<typeof InvoiceRow>;

const TABLE = 'invoices';

const invoicesTable: TableSpec = {
  name: TABLE,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'number', type: 'text', nullable: true },
    { name: 'status', type: 'text' },
    { name: 'customer_id', type: 'text' },
    { name: 'customer_name', type: 'text' },
    { name: 'issue_date', type: 'text' },
    { name: 'due_date', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'totals', type: 'json', nullable: true },
    { name: 'vat_breakdown', type: 'json', nullable: true },
    { name: 'payable', type: 'integer', nullable: true },
    { name: 'amount_paid', type: 'integer' },
    { name: 'amount_credited', type: 'integer' },
    { name: 'amount_written_off', type: 'integer' },
    { name: 'amount_due', type: 'integer', nullable: true },
    { name: 'credit_notes', type: 'json' },
    { name: 'provider_sync', type: 'json' },
    { name: 'detail', type: 'json' },
    { name: 'stream_version', type: 'integer' },
    { name: 'position', type: 'integer' },
    { name: 'updated_at', type: 'text' },
  ],
  primaryKey: ['tenant_id', 'invoice_id'],
  indexes: [
    ['tenant_id', 'status'],
    ['tenant_id', 'customer_id'],
    ['tenant_id', 'issue_date'],
    // The list's keyset order (newest issue date first, then id): pages stay stable while rows are added.
    ['tenant_id', 'issue_date', 'invoice_id'],
  ],
};

/**
 * What is still collectible: payable − paid − credited − written off; nothing for a void invoice, nothing known
 * for a draft. (The aggregate's `amountDue` keeps a written-off amount "due"; the read side shows receivables,
 * which is what the customer ledger and the aging report add up too.)
 */
const amountDue = (row: InvoiceRow): bigint | null => {
  if (row.payable === null) return null;
  if (row.status === 'void') return 0n;
  return row.payable - row.amount_paid - row.amount_credited - row.amount_written_off;
};

const TotalsJson = JsonColumn(FrozenTotals);
const VatBreakdownJson = JsonColumn(t.readonlyArray(FrozenVatBreakdownEntry));
const CreditNotesJson = JsonColumn(t.readonlyArray(InvoiceCreditNoteView));
const ProviderSyncJson = JsonColumn(ProviderSyncView);
const DetailJson = JsonColumn(InvoiceDetail);
const COLUMNS = invoicesTable.columns.map((column) => column.name);

/**
 * The row as stored. The JSON columns are serialised when the row is written, not when it is built: an invoice
 * row that later events of the same batch replace is never serialised (and the runner hands the typed row back
 * to the next event, see `encodedRow`).
 */
const encodeRow = (row: InvoiceRow): Row =>
  encodedRow(
    InvoiceRow,
    { ...row, amount_due: amountDue(row) },
    rowWithLazyColumns(
      COLUMNS,
      {
        tenant_id: row.tenant_id,
        invoice_id: row.invoice_id,
        number: row.number,
        status: row.status,
        customer_id: row.customer_id,
        customer_name: row.customer_name,
        issue_date: row.issue_date,
        due_date: row.due_date,
        currency: row.currency,
        payable: row.payable,
        amount_paid: row.amount_paid,
        amount_credited: row.amount_credited,
        amount_written_off: row.amount_written_off,
        amount_due: amountDue(row),
        stream_version: row.stream_version,
        position: row.position,
        updated_at: row.updated_at,
      },
      {
        totals: () => (row.totals === null ? null : TotalsJson.encode(row.totals)),
        vat_breakdown: () => (row.vat_breakdown === null ? null : VatBreakdownJson.encode(row.vat_breakdown)),
        credit_notes: () => CreditNotesJson.encode(row.credit_notes),
        provider_sync: () => ProviderSyncJson.encode(row.provider_sync),
        detail: () => DetailJson.encode(row.detail),
      },
    ),
  );

const upsert = (row: InvoiceRow): ReadonlyArray<Change> => [
  { op: 'upsert', table: TABLE, row: encodeRow(row) },
];

const invoiceIdOf = (event: ProjectedEvent): string | undefined => {
  const domainEvent = event.event;
  switch (domainEvent.type) {
    case 'NumberReserved':
    case 'NumberAnnulled':
      return undefined;
    default:
      return domainEvent.data.invoiceId;
  }
};

const addOnce = (values: ReadonlyArray<string>, value: string): ReadonlyArray<string> =>
  values.includes(value) ? values : [...values, value];

/** Merges one credit note's facts into the list, keeping its place (the order they were first seen). */
const mergeCreditNote = (
  list: ReadonlyArray<InvoiceCreditNoteView>,
  entry: InvoiceCreditNoteView,
): ReadonlyArray<InvoiceCreditNoteView> =>
  list.some((existing) => existing.creditNoteId === entry.creditNoteId)
    ? list.map((existing) =>
        existing.creditNoteId === entry.creditNoteId ? { ...existing, ...entry } : existing,
      )
    : [...list, entry];

/** The row after an invoice event, from the row before it (absent for the stream's first event). */
const evolveRow = (
  before: InvoiceRow | undefined,
  domainEvent: InvoiceEvent,
  event: ProjectedEvent,
): InvoiceRow | undefined => {
  const stamp = {
    stream_version: event.streamVersion,
    position: event.globalPosition,
    updated_at: event.metadata.occurredAt,
  };
  if (domainEvent.type === 'InvoiceDraftCreated') {
    if (before !== undefined) return undefined;
    const { content, invoiceId, createdAt } = domainEvent.data;
    return {
      tenant_id: tenantOf(event),
      invoice_id: invoiceId,
      number: null,
      status: 'draft',
      customer_id: content.customer.id,
      customer_name: content.customer.name,
      issue_date: content.issueDate,
      due_date: content.dueDate,
      currency: content.currency,
      totals: null,
      vat_breakdown: null,
      payable: null,
      amount_paid: 0n,
      amount_credited: 0n,
      amount_written_off: 0n,
      amount_due: null,
      credit_notes: [],
      provider_sync: {},
      detail: {
        content,
        figures: invoiceFigures(content),
        createdAt,
        channels: [],
        deliveredChannels: [],
        payments: [],
      },
      ...stamp,
    };
  }
  // Any later event needs the row its stream's earlier events made; without one (a log that starts mid-stream)
  // there is no tenant, customer or currency to show, so the event is left out rather than guessed at.
  if (before === undefined) return undefined;
  const row = { ...before, ...stamp };
  switch (domainEvent.type) {
    case 'InvoiceDraftRevised': {
      const { content } = domainEvent.data;
      return {
        ...row,
        customer_id: content.customer.id,
        customer_name: content.customer.name,
        issue_date: content.issueDate,
        due_date: content.dueDate,
        currency: content.currency,
        detail: { ...row.detail, content, figures: invoiceFigures(content) },
      };
    }
    case 'InvoiceApproved': {
      const {
        number,
        series,
        year,
        counter,
        issueDate,
        dueDate,
        currency,
        totals,
        vatBreakdown,
        approvedAt,
      } = domainEvent.data;
      return {
        ...row,
        number,
        status: 'approved',
        issue_date: issueDate,
        due_date: dueDate,
        currency,
        totals,
        vat_breakdown: vatBreakdown,
        payable: minorUnits(totals.payableAmount, currency),
        detail: { ...row.detail, series, year, counter, approvedAt },
      };
    }
    case 'InvoiceSent':
      return {
        ...row,
        status: row.status === 'approved' ? 'sent' : row.status,
        detail: { ...row.detail, channels: addOnce(row.detail.channels, domainEvent.data.channel) },
      };
    case 'InvoiceDelivered':
      return {
        ...row,
        detail: {
          ...row.detail,
          deliveredChannels: addOnce(row.detail.deliveredChannels, domainEvent.data.channel),
        },
      };
    case 'PaymentRecorded': {
      const { paymentId, amount, paidAt, recordedAt, reference } = domainEvent.data;
      return {
        ...row,
        // As in the aggregate: InvoicePaid follows a settling payment and moves the status on to `paid`.
        status: 'partially_paid',
        amount_paid: row.amount_paid + minorUnits(amount, row.currency),
        detail: {
          ...row.detail,
          payments: [
            ...row.detail.payments,
            { paymentId, amount, paidAt, recordedAt, ...(reference === undefined ? {} : { reference }) },
          ],
        },
      };
    }
    case 'CreditNoteApplied': {
      const { creditNoteId, amount, appliedAt } = domainEvent.data;
      return {
        ...row,
        amount_credited: row.amount_credited + minorUnits(amount, row.currency),
        credit_notes: mergeCreditNote(row.credit_notes, { creditNoteId, appliedAmount: amount, appliedAt }),
      };
    }
    case 'InvoicePaid':
      return { ...row, status: 'paid', detail: { ...row.detail, settledAt: domainEvent.data.settledAt } };
    case 'InvoiceVoided': {
      const { reason, voidedAt } = domainEvent.data;
      return { ...row, status: 'void', detail: { ...row.detail, voided: { reason, voidedAt } } };
    }
    case 'InvoiceWrittenOff': {
      const { amount, reason, writtenOffAt } = domainEvent.data;
      return {
        ...row,
        status: 'uncollectible',
        amount_written_off: minorUnits(amount, row.currency),
        detail: { ...row.detail, writtenOff: { amount, reason, writtenOffAt } },
      };
    }
  }
};

/**
 * A credit note issued against the invoice (an event of the credit note's own stream, so the invoice row's stream
 * version says nothing about it): merged by credit note id, and nothing to do once its issue is recorded.
 */
const withIssuedCreditNote = (row: InvoiceRow, issued: CreditNoteIssued): InvoiceRow | undefined => {
  const { creditNoteId, number, issueDate, reason, totals, currency } = issued.data;
  const known = row.credit_notes.find((entry) => entry.creditNoteId === creditNoteId);
  if (known?.number !== undefined) return undefined;
  return {
    ...row,
    credit_notes: mergeCreditNote(row.credit_notes, {
      creditNoteId,
      number,
      issueDate,
      reason,
      issuedAmount: freezeAmount(minorUnits(totals.payableAmount, currency), currency),
    }),
  };
};

/**
 * Invoice list and detail: one row per invoice (`tenant_id`, `invoice_id`), with its status as the aggregate
 * has it (`overdue` is not stored: queries derive it from the due date and an as-of date), money in minor units
 * and the content as JSON.
 *
 * Idempotent: an invoice event at or below the row's `stream_version` is a redelivery and changes nothing; a
 * credit note's issue is recorded once per credit note id. Events of an invoice with no row yet (other than its
 * creation) change nothing.
 */
export const invoicesProjection: Projection = {
  name: 'invoices',
  version: 1,
  tables: [invoicesTable],
  reads: (event) => {
    const invoiceId = invoiceIdOf(event);
    const request: RowRequest | undefined =
      invoiceId === undefined
        ? undefined
        : { table: TABLE, key: { tenant_id: tenantOf(event), invoice_id: invoiceId } };
    return request === undefined ? [] : [request];
  },
  apply: (event, rows) => {
    const domainEvent = event.event;
    if (domainEvent.type === 'NumberReserved' || domainEvent.type === 'NumberAnnulled') return [];
    const current = fetched(InvoiceRow, rows[0]);
    if (current._tag === 'Damaged') return [];
    const before = current._tag === 'Found' ? current.value : undefined;
    if (domainEvent.type === 'CreditNoteIssued') {
      const after = before === undefined ? undefined : withIssuedCreditNote(before, domainEvent);
      return after === undefined ? [] : upsert(after);
    }
    if (before !== undefined && alreadyApplied(event, before.stream_version)) return [];
    const after = evolveRow(before, domainEvent, event);
    return after === undefined ? [] : upsert(after);
  },
};
