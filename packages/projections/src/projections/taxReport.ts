/**
 * The VAT report's data: one row per VAT breakdown entry of every issued document, signed (credit notes and
 * voids negative), dated by the document's issue date, so a period's report is a sum over a date range.
 * Imported credit notes (invoice streams whose content is a `credit_note`) reduce output VAT like the credit
 * notes issued against invoices: negative when approved, positive when voided.
 */
import * as t from 'io-ts';

import type { CivilDate, CurrencyCode, FrozenVatBreakdownEntry } from '@accrue/domain';
import {
  CivilDate as CivilDateCodec,
  CurrencyCode as CurrencyCodeCodec,
  DocumentType as DocumentTypeCodec,
  FrozenVatBreakdownEntry as FrozenVatBreakdownEntryCodec,
  thawDecimal,
} from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change, TableSpec } from '../model/readModel.js';
import { JsonColumn, encodedRow, fetched, nullable, rowWithLazyColumns } from './columns.js';
import { dayOf, minorUnits, tenantOf } from './common.js';
import {
  documentSign,
  documentTypeChange,
  documentTypeRequest,
  documentTypesTable,
  fetchedDocumentType,
  reversalSign,
} from './documentType.js';

/**
 * The kind of document a tax entry comes from: an approved invoice, a credit note (issued against an invoice, or
 * an imported one approved), or the void of either.
 */
export const TaxDocumentKind = t.keyof({ invoice: null, credit_note: null, void: null }, 'TaxDocumentKind');
export type TaxDocumentKind = t.TypeOf<typeof TaxDocumentKind>;

/** Each approved invoice's breakdown and document type, kept so a void can reverse exactly what was reported. */
export const TaxDocumentRow = t.type(
  {
    tenant_id: t.string,
    invoice_id: t.string,
    document_type: DocumentTypeCodec,
    number: t.string,
    currency: CurrencyCodeCodec,
    issue_date: CivilDateCodec,
    vat_breakdown: JsonColumn(t.readonlyArray(FrozenVatBreakdownEntryCodec)),
    voided_on: nullable(CivilDateCodec),
  },
  'TaxDocumentRow',
);
export type TaxDocumentRow = t.TypeOf<typeof TaxDocumentRow>;

const DOCUMENTS = 'documents';
const ENTRIES = 'entries';

const documentsTable: TableSpec = {
  name: DOCUMENTS,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'document_type', type: 'text' },
    { name: 'number', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'issue_date', type: 'text' },
    { name: 'vat_breakdown', type: 'json' },
    { name: 'voided_on', type: 'text', nullable: true },
  ],
  primaryKey: ['tenant_id', 'invoice_id'],
};

const entriesTable: TableSpec = {
  name: ENTRIES,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'entry_id', type: 'text' },
    { name: 'line', type: 'integer' },
    { name: 'document_kind', type: 'text' },
    { name: 'document_id', type: 'text' },
    { name: 'document_number', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'date', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'category', type: 'text' },
    { name: 'rate', type: 'text' },
    { name: 'taxable_amount', type: 'integer' },
    { name: 'tax_amount', type: 'integer' },
    { name: 'position', type: 'integer' },
  ],
  // Event id and breakdown line: a redelivered event rewrites the same rows.
  primaryKey: ['tenant_id', 'entry_id', 'line'],
  indexes: [['tenant_id', 'date']],
};

/**
 * A rate as one spelling per value (`25.00` and `25` group together); `''` for category O, which has none.
 * Empty text rather than NULL because SQLite and PostgreSQL sort NULL at opposite ends.
 */
export const rateKey = (entry: FrozenVatBreakdownEntry): string =>
  entry.rate === undefined ? '' : thawDecimal(entry.rate).toFixed();

interface Document {
  readonly kind: TaxDocumentKind;
  readonly id: string;
  readonly number: string;
  readonly invoiceId: string;
  readonly date: CivilDate;
  readonly currency: CurrencyCode;
  readonly sign: 1n | -1n;
  readonly breakdown: ReadonlyArray<FrozenVatBreakdownEntry>;
}

const entries = (event: ProjectedEvent, document: Document): ReadonlyArray<Change> =>
  document.breakdown.map((line, index) => ({
    op: 'upsert',
    table: ENTRIES,
    row: {
      tenant_id: tenantOf(event),
      entry_id: event.eventId,
      line: index,
      document_kind: document.kind,
      document_id: document.id,
      document_number: document.number,
      invoice_id: document.invoiceId,
      date: document.date,
      currency: document.currency,
      category: line.category,
      rate: rateKey(line),
      taxable_amount: document.sign * minorUnits(line.taxableAmount, document.currency),
      tax_amount: document.sign * minorUnits(line.taxAmount, document.currency),
      position: event.globalPosition,
    },
  }));

const VatBreakdownJson = JsonColumn(t.readonlyArray(FrozenVatBreakdownEntryCodec));
const DOCUMENT_COLUMNS = documentsTable.columns.map((column) => column.name);

const encodeDocument = (row: TaxDocumentRow): Change => ({
  op: 'upsert',
  table: DOCUMENTS,
  row: encodedRow(
    TaxDocumentRow,
    row,
    rowWithLazyColumns(
      DOCUMENT_COLUMNS,
      {
        tenant_id: row.tenant_id,
        invoice_id: row.invoice_id,
        document_type: row.document_type,
        number: row.number,
        currency: row.currency,
        issue_date: row.issue_date,
        voided_on: row.voided_on,
      },
      { vat_breakdown: () => VatBreakdownJson.encode(row.vat_breakdown) },
    ),
  ),
});

/**
 * Taxable amount and tax per document and VAT breakdown line (`entries`), in minor units, dated by the issue
 * date: approved invoices positive, credit notes negative on their own issue date. A voided invoice is reversed
 * (negative) on the day it was voided, so a period already reported never changes afterwards.
 *
 * An imported credit note (its draft's `document_type`, kept in `document_types`) is entered as a `credit_note`,
 * negative, on its issue date; its void is positive; a credit note issued against it is positive too.
 *
 * Idempotent: entries are keyed by event id and line; a void is applied once (`documents.voided_on`); the document
 * type is the draft's, rewritten identically. A void of an invoice whose approval this log does not hold changes
 * nothing; an approval whose draft it does not hold counts as an invoice's.
 */
export const taxReportProjection: Projection = {
  name: 'taxReport',
  // 2: imported credit notes count as credit notes (`document_types`, `documents.document_type`).
  version: 2,
  tables: [documentsTable, entriesTable, documentTypesTable],
  reads: (event) => {
    const domainEvent = event.event;
    switch (domainEvent.type) {
      case 'InvoiceApproved':
      case 'CreditNoteIssued':
        return [documentTypeRequest(event, domainEvent.data.invoiceId)];
      case 'InvoiceVoided':
        return [
          { table: DOCUMENTS, key: { tenant_id: tenantOf(event), invoice_id: domainEvent.data.invoiceId } },
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
        const { invoiceId, number, currency, issueDate, vatBreakdown } = domainEvent.data;
        return [
          encodeDocument({
            tenant_id: tenantOf(event),
            invoice_id: invoiceId,
            document_type: documentType,
            number,
            currency,
            issue_date: issueDate,
            vat_breakdown: vatBreakdown,
            voided_on: null,
          }),
          ...entries(event, {
            kind: documentType === 'credit_note' ? 'credit_note' : 'invoice',
            id: invoiceId,
            number,
            invoiceId,
            date: issueDate,
            currency,
            sign: documentSign(documentType),
            breakdown: vatBreakdown,
          }),
        ];
      }
      case 'CreditNoteIssued': {
        // Against an imported credit note it takes back part of that note's (negative) VAT.
        const credited = fetchedDocumentType(rows[0]);
        if (credited === undefined) return [];
        const { creditNoteId, number, invoiceId, currency, issueDate, vatBreakdown } = domainEvent.data;
        return entries(event, {
          kind: 'credit_note',
          id: creditNoteId,
          number,
          invoiceId,
          date: issueDate,
          currency,
          sign: reversalSign(credited),
          breakdown: vatBreakdown,
        });
      }
      case 'InvoiceVoided': {
        const document = fetched(TaxDocumentRow, rows[0]);
        if (document._tag !== 'Found' || document.value.voided_on !== null) return [];
        const voidedOn = dayOf(domainEvent.data.voidedAt);
        const { invoice_id, document_type, number, currency, vat_breakdown } = document.value;
        return [
          encodeDocument({ ...document.value, voided_on: voidedOn }),
          ...entries(event, {
            kind: 'void',
            id: invoice_id,
            number,
            invoiceId: invoice_id,
            date: voidedOn,
            currency,
            sign: reversalSign(document_type),
            breakdown: vat_breakdown,
          }),
        ];
      }
      default:
        return [];
    }
  },
};
