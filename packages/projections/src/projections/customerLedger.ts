/**
 * The customer ledger: every movement of what a customer owes, one row per event, signed (a charge is positive,
 * anything that reduces the debt negative). Balances, statements and the aging report are sums over it.
 *
 * An imported credit note (an invoice stream whose content is a `credit_note`) moves everything the other way:
 * its approval is a credit (negative), a payment against it is a refund paid out (positive), and its void or
 * write-off takes back that credit (positive).
 */
import * as t from 'io-ts';

import type { CivilDate, InvoiceEvent } from '@accrue/domain';
import {
  CivilDate as CivilDateCodec,
  CurrencyCode as CurrencyCodeCodec,
  DocumentType as DocumentTypeCodec,
} from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change, Row, TableSpec } from '../model/readModel.js';
import { IntegerColumn, SmallIntegerColumn, encodedRow, fetched, nullable } from './columns.js';
import { alreadyApplied, dayOf, minorUnits, tenantOf } from './common.js';
import { documentSign, documentTypeOf } from './documentType.js';

/**
 * What moved the balance. `credit_note` is both a credit note issued against an invoice and the approval of an
 * imported credit note; `refund` is a payment recorded against an imported credit note (money paid out).
 */
export const LedgerEntryKind = t.keyof(
  { invoice: null, payment: null, refund: null, credit_note: null, void: null, write_off: null },
  'LedgerEntryKind',
);
export type LedgerEntryKind = t.TypeOf<typeof LedgerEntryKind>;

/**
 * The ledger's own copy of each invoice's customer, currency, number, dates and document type: later events
 * (payments, credit notes) name only the invoice, the aging report needs the due date, and the document type
 * gives every movement its sign. `payable` is the document's own (positive) payable.
 */
export const LedgerInvoiceRow = t.type(
  {
    tenant_id: t.string,
    invoice_id: t.string,
    customer_id: t.string,
    customer_name: t.string,
    currency: CurrencyCodeCodec,
    number: nullable(t.string),
    issue_date: CivilDateCodec,
    due_date: CivilDateCodec,
    payable: nullable(IntegerColumn),
    document_type: DocumentTypeCodec,
    stream_version: SmallIntegerColumn,
  },
  'LedgerInvoiceRow',
);
export type LedgerInvoiceRow = t.TypeOf<typeof LedgerInvoiceRow>;

/** One movement: `amount` in minor units of `currency`, positive for a charge, negative for a reduction. */
export const LedgerEntryRow = t.type(
  {
    tenant_id: t.string,
    entry_id: t.string,
    customer_id: t.string,
    invoice_id: t.string,
    invoice_number: nullable(t.string),
    document_number: nullable(t.string),
    currency: CurrencyCodeCodec,
    date: CivilDateCodec,
    kind: LedgerEntryKind,
    amount: IntegerColumn,
    reference: nullable(t.string),
    position: IntegerColumn,
  },
  'LedgerEntryRow',
);
export type LedgerEntryRow = t.TypeOf<typeof LedgerEntryRow>;

const INVOICES = 'invoices';
const ENTRIES = 'entries';

const invoicesTable: TableSpec = {
  name: INVOICES,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'customer_id', type: 'text' },
    { name: 'customer_name', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'number', type: 'text', nullable: true },
    { name: 'issue_date', type: 'text' },
    { name: 'due_date', type: 'text' },
    { name: 'payable', type: 'integer', nullable: true },
    { name: 'document_type', type: 'text' },
    { name: 'stream_version', type: 'integer' },
  ],
  primaryKey: ['tenant_id', 'invoice_id'],
  indexes: [['tenant_id', 'customer_id']],
};

const entriesTable: TableSpec = {
  name: ENTRIES,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'entry_id', type: 'text' },
    { name: 'customer_id', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'invoice_number', type: 'text', nullable: true },
    { name: 'document_number', type: 'text', nullable: true },
    { name: 'currency', type: 'text' },
    { name: 'date', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'amount', type: 'integer' },
    { name: 'reference', type: 'text', nullable: true },
    { name: 'position', type: 'integer' },
  ],
  primaryKey: ['tenant_id', 'entry_id'],
  indexes: [
    ['tenant_id', 'customer_id', 'date'],
    ['tenant_id', 'invoice_id'],
    ['tenant_id', 'date'],
  ],
};

const encodeInvoice = (row: LedgerInvoiceRow): Row => encodedRow(LedgerInvoiceRow, row, { ...row });

const entry = (
  event: ProjectedEvent,
  invoice: LedgerInvoiceRow,
  fields: {
    readonly kind: LedgerEntryKind;
    readonly date: CivilDate;
    readonly amount: bigint;
    readonly documentNumber: string | null;
    readonly reference: string | null;
  },
): Change => ({
  op: 'upsert',
  table: ENTRIES,
  row: {
    tenant_id: invoice.tenant_id,
    // The event id keys the movement, so a redelivered event rewrites the same row.
    entry_id: event.eventId,
    customer_id: invoice.customer_id,
    invoice_id: invoice.invoice_id,
    invoice_number: invoice.number,
    document_number: fields.documentNumber,
    currency: invoice.currency,
    date: fields.date,
    kind: fields.kind,
    amount: fields.amount,
    reference: fields.reference,
    position: event.globalPosition,
  },
});

const invoiceRow = (invoice: LedgerInvoiceRow): Change => ({
  op: 'upsert',
  table: INVOICES,
  row: encodeInvoice(invoice),
});

const applyInvoiceEvent = (
  event: ProjectedEvent,
  domainEvent: InvoiceEvent,
  before: LedgerInvoiceRow | undefined,
): ReadonlyArray<Change> => {
  if (domainEvent.type === 'InvoiceDraftCreated') {
    if (before !== undefined) return [];
    const { content, invoiceId } = domainEvent.data;
    return [
      invoiceRow({
        tenant_id: tenantOf(event),
        invoice_id: invoiceId,
        customer_id: content.customer.id,
        customer_name: content.customer.name,
        currency: content.currency,
        number: null,
        issue_date: content.issueDate,
        due_date: content.dueDate,
        payable: null,
        document_type: documentTypeOf(content),
        stream_version: event.streamVersion,
      }),
    ];
  }
  // No row: an invoice whose creation this log does not hold. Its movements cannot be given a customer.
  if (before === undefined || alreadyApplied(event, before.stream_version)) return [];
  const invoice = { ...before, stream_version: event.streamVersion };
  // An invoice's effect on what the customer owes, times -1 for an imported credit note.
  const sign = documentSign(invoice.document_type);
  const creditNote = invoice.document_type === 'credit_note';
  switch (domainEvent.type) {
    case 'InvoiceDraftRevised': {
      const { content } = domainEvent.data;
      return [
        invoiceRow({
          ...invoice,
          customer_id: content.customer.id,
          customer_name: content.customer.name,
          currency: content.currency,
          issue_date: content.issueDate,
          due_date: content.dueDate,
          document_type: documentTypeOf(content),
        }),
      ];
    }
    case 'InvoiceApproved': {
      const { number, issueDate, dueDate, currency, totals } = domainEvent.data;
      const payable = minorUnits(totals.payableAmount, currency);
      const approved = { ...invoice, number, issue_date: issueDate, due_date: dueDate, currency, payable };
      return [
        invoiceRow(approved),
        entry(event, approved, {
          kind: creditNote ? 'credit_note' : 'invoice',
          date: issueDate,
          amount: sign * payable,
          documentNumber: number,
          reference: null,
        }),
      ];
    }
    case 'PaymentRecorded': {
      const { amount, paidAt, paymentId, reference } = domainEvent.data;
      return [
        invoiceRow(invoice),
        entry(event, invoice, {
          kind: creditNote ? 'refund' : 'payment',
          date: dayOf(paidAt),
          amount: -sign * minorUnits(amount, invoice.currency),
          documentNumber: invoice.number,
          reference: reference ?? paymentId,
        }),
      ];
    }
    case 'InvoiceVoided':
      // Voiding is refused once anything was paid or credited, so the whole charge is reversed.
      return invoice.payable === null
        ? []
        : [
            invoiceRow(invoice),
            entry(event, invoice, {
              kind: 'void',
              date: dayOf(domainEvent.data.voidedAt),
              amount: -sign * invoice.payable,
              documentNumber: invoice.number,
              reference: domainEvent.data.reason,
            }),
          ];
    case 'InvoiceWrittenOff':
      return [
        invoiceRow(invoice),
        entry(event, invoice, {
          kind: 'write_off',
          date: dayOf(domainEvent.data.writtenOffAt),
          amount: -sign * minorUnits(domainEvent.data.amount, invoice.currency),
          documentNumber: invoice.number,
          reference: domainEvent.data.reason,
        }),
      ];
    // A credit note moves the balance when it is issued (its own stream, below); applying it to the invoice
    // only settles that invoice. Sending, delivery and settlement move no money.
    case 'CreditNoteApplied':
    case 'InvoicePaid':
    case 'InvoiceSent':
    case 'InvoiceDelivered':
      return [];
  }
};

/**
 * Customer balances and statements: `entries` holds one signed movement per event (an approved invoice's payable
 * on its issue date; payments on the day paid; a credit note's payable on its issue date; a void or write-off on
 * its day), keyed by event id; `invoices` holds each invoice's customer, currency, due date and document type.
 * Every movement of an imported credit note has the opposite sign (its approval is entered as a `credit_note`,
 * payments against it as `refund`s), and so has a credit note issued against one.
 *
 * Idempotent: invoice events at or below the invoice row's `stream_version` change nothing; a credit note's entry
 * is recognised by its event id. Events of invoices this log never created change nothing.
 */
export const customerLedgerProjection: Projection = {
  name: 'customerLedger',
  // 2: imported credit notes count the other way (`document_type`, `refund`).
  version: 2,
  tables: [invoicesTable, entriesTable],
  reads: (event) => {
    const domainEvent = event.event;
    const tenant = tenantOf(event);
    switch (domainEvent.type) {
      case 'NumberReserved':
      case 'NumberAnnulled':
        return [];
      case 'CreditNoteIssued':
        return [
          { table: INVOICES, key: { tenant_id: tenant, invoice_id: domainEvent.data.invoiceId } },
          { table: ENTRIES, key: { tenant_id: tenant, entry_id: event.eventId } },
        ];
      default:
        return [{ table: INVOICES, key: { tenant_id: tenant, invoice_id: domainEvent.data.invoiceId } }];
    }
  },
  apply: (event, rows) => {
    const domainEvent = event.event;
    if (domainEvent.type === 'NumberReserved' || domainEvent.type === 'NumberAnnulled') return [];
    const current = fetched(LedgerInvoiceRow, rows[0]);
    if (current._tag === 'Damaged') return [];
    const invoice = current._tag === 'Found' ? current.value : undefined;
    if (domainEvent.type !== 'CreditNoteIssued') return applyInvoiceEvent(event, domainEvent, invoice);
    if (invoice === undefined || rows[1] !== undefined) return [];
    const { totals, currency, issueDate, number } = domainEvent.data;
    // Crediting an imported credit note reduces what is owed to the customer: the sign of the document credited.
    return [
      entry(event, invoice, {
        kind: 'credit_note',
        date: issueDate,
        amount: -documentSign(invoice.document_type) * minorUnits(totals.payableAmount, currency),
        documentNumber: number,
        reference: domainEvent.data.reason,
      }),
    ];
  },
};
