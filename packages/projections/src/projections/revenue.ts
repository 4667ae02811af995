/**
 * Revenue by month and currency: what was invoiced (approved payables, less credit notes and voids) and what was
 * paid, one signed row per event so a month's figure is a sum. Imported credit notes (invoice streams whose
 * content is a `credit_note`) count against revenue, and payments against them (refunds) against what was paid.
 */
import * as t from 'io-ts';

import { CivilDate, CurrencyCode, DocumentType } from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change } from '../model/readModel.js';
import { IntegerColumn, encodedRow, fetched, nullable } from './columns.js';
import { dayOf, minorUnits, monthOf, tenantOf } from './common.js';
import {
  documentSign,
  documentTypeChange,
  documentTypeRequest,
  documentTypesTable,
  fetchedDocumentType,
  reversalSign,
} from './documentType.js';

/**
 * Each approved invoice's payable (its own, positive) and document type, kept so a void can take back exactly
 * what was counted.
 */
export const RevenueInvoiceRow = t.type(
  {
    tenant_id: t.string,
    invoice_id: t.string,
    document_type: DocumentType,
    currency: CurrencyCode,
    payable: IntegerColumn,
    voided_on: nullable(CivilDate),
  },
  'RevenueInvoiceRow',
);
export type RevenueInvoiceRow = t.TypeOf<typeof RevenueInvoiceRow>;

/**
 * What a revenue entry counts. `credit_note` is both a credit note issued against an invoice and the approval of
 * an imported credit note; `refund` a payment recorded against an imported credit note (money paid out).
 */
export const RevenueEntryKind = t.keyof(
  { invoice: null, credit_note: null, void: null, payment: null, refund: null },
  'RevenueEntryKind',
);
export type RevenueEntryKind = t.TypeOf<typeof RevenueEntryKind>;

const INVOICES = 'invoices';
const ENTRIES = 'entries';

interface Movement {
  readonly kind: RevenueEntryKind;
  readonly invoiceId: string;
  readonly date: CivilDate;
  readonly currency: CurrencyCode;
  readonly approved: bigint;
  readonly paid: bigint;
}

const entry = (event: ProjectedEvent, movement: Movement): Change => ({
  op: 'upsert',
  table: ENTRIES,
  row: {
    tenant_id: tenantOf(event),
    // Keyed by event id: a redelivered event rewrites the same row.
    entry_id: event.eventId,
    kind: movement.kind,
    invoice_id: movement.invoiceId,
    date: movement.date,
    month: monthOf(movement.date),
    currency: movement.currency,
    approved: movement.approved,
    paid: movement.paid,
    position: event.globalPosition,
  },
});

const invoiceRow = (row: RevenueInvoiceRow): Change => ({
  op: 'upsert',
  table: INVOICES,
  row: encodedRow(RevenueInvoiceRow, row, { ...row }),
});

/**
 * Revenue per month (`YYYY-MM`) and currency, in minor units: `approved` is the payable of invoices by issue
 * month, less credit notes by their issue month and voids by the month voided (a month already reported keeps
 * its figure); `paid` is payments by the month they were paid. Write-offs change neither.
 *
 * An imported credit note (its draft's `document_type`, kept in `document_types`) counts the other way: its
 * payable is taken off `approved` in its issue month (a `credit_note` entry), a payment against it off `paid` (a
 * `refund`), and its void adds the payable back; a credit note issued against it adds to `approved`.
 *
 * Idempotent: entries are keyed by event id; a void is applied once (`invoices.voided_on`); the document type is
 * the draft's, rewritten identically. A void of an invoice whose approval this log does not hold changes nothing;
 * events of an invoice whose draft it does not hold count as an invoice's.
 */
export const revenueProjection: Projection = {
  name: 'revenue',
  // 2: imported credit notes count against revenue (`document_types`, `invoices.document_type`).
  version: 2,
  tables: [
    {
      name: INVOICES,
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'invoice_id', type: 'text' },
        { name: 'document_type', type: 'text' },
        { name: 'currency', type: 'text' },
        { name: 'payable', type: 'integer' },
        { name: 'voided_on', type: 'text', nullable: true },
      ],
      primaryKey: ['tenant_id', 'invoice_id'],
    },
    {
      name: ENTRIES,
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'entry_id', type: 'text' },
        { name: 'kind', type: 'text' },
        { name: 'invoice_id', type: 'text' },
        { name: 'date', type: 'text' },
        { name: 'month', type: 'text' },
        { name: 'currency', type: 'text' },
        { name: 'approved', type: 'integer' },
        { name: 'paid', type: 'integer' },
        { name: 'position', type: 'integer' },
      ],
      primaryKey: ['tenant_id', 'entry_id'],
      indexes: [['tenant_id', 'month']],
    },
    documentTypesTable,
  ],
  reads: (event) => {
    const domainEvent = event.event;
    switch (domainEvent.type) {
      case 'InvoiceApproved':
      case 'CreditNoteIssued':
      case 'PaymentRecorded':
        return [documentTypeRequest(event, domainEvent.data.invoiceId)];
      case 'InvoiceVoided':
        return [
          { table: INVOICES, key: { tenant_id: tenantOf(event), invoice_id: domainEvent.data.invoiceId } },
        ];
      default:
        return [];
    }
  },
  apply: (event, rows) => {
    const domainEvent = event.event;
    switch (domainEvent.type) {
      case 'InvoiceDraftCreated':
      case 'InvoiceDraftRevised':
        return [documentTypeChange(event, domainEvent)];
      case 'InvoiceApproved': {
        const documentType = fetchedDocumentType(rows[0]);
        if (documentType === undefined) return [];
        const { invoiceId, currency, issueDate, totals } = domainEvent.data;
        const payable = minorUnits(totals.payableAmount, currency);
        return [
          invoiceRow({
            tenant_id: tenantOf(event),
            invoice_id: invoiceId,
            document_type: documentType,
            currency,
            payable,
            voided_on: null,
          }),
          entry(event, {
            kind: documentType === 'credit_note' ? 'credit_note' : 'invoice',
            invoiceId,
            date: issueDate,
            currency,
            approved: documentSign(documentType) * payable,
            paid: 0n,
          }),
        ];
      }
      case 'CreditNoteIssued': {
        // Against an imported credit note it takes back part of what that note took off revenue.
        const credited = fetchedDocumentType(rows[0]);
        if (credited === undefined) return [];
        const { invoiceId, currency, issueDate, totals } = domainEvent.data;
        const amount = minorUnits(totals.payableAmount, currency);
        return [
          entry(event, {
            kind: 'credit_note',
            invoiceId,
            date: issueDate,
            currency,
            approved: reversalSign(credited) * amount,
            paid: 0n,
          }),
        ];
      }
      case 'PaymentRecorded': {
        const documentType = fetchedDocumentType(rows[0]);
        if (documentType === undefined) return [];
        const { invoiceId, currency, paidAt, amount } = domainEvent.data;
        return [
          entry(event, {
            kind: documentType === 'credit_note' ? 'refund' : 'payment',
            invoiceId,
            date: dayOf(paidAt),
            currency,
            approved: 0n,
            paid: documentSign(documentType) * minorUnits(amount, currency),
          }),
        ];
      }
      case 'InvoiceVoided': {
        const invoice = fetched(RevenueInvoiceRow, rows[0]);
        if (invoice._tag !== 'Found' || invoice.value.voided_on !== null) return [];
        const voidedOn = dayOf(domainEvent.data.voidedAt);
        const { invoice_id, document_type, currency, payable } = invoice.value;
        return [
          invoiceRow({ ...invoice.value, voided_on: voidedOn }),
          entry(event, {
            kind: 'void',
            invoiceId: invoice_id,
            date: voidedOn,
            currency,
            approved: reversalSign(document_type) * payable,
            paid: 0n,
          }),
        ];
      }
      default:
        return [];
    }
  },
};
