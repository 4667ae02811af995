/**
 * The nature of the document an invoice stream holds, for the read models that add up money. An invoice stream
 * may hold an imported credit note (UBL `CreditNote`: `InvoiceContent.documentType` is `credit_note`): it goes
 * through the invoice lifecycle, but everything it moves counts the other way round — its payable is owed to the
 * customer, its VAT reduces output VAT, its amounts reduce revenue, a payment against it is a refund paid out.
 *
 * Only the draft events carry the content, so projections that start at approval keep the nature of each draft
 * in a small table of their own (`documentTypesTable`): written blindly from every draft event (the decider
 * never changes it on revision, so a redelivered draft event writes the same value), read at approval.
 */
import * as t from 'io-ts';

import type { DocumentType, InvoiceContent, InvoiceDraftCreated, InvoiceDraftRevised } from '@accrue/domain';
import { DocumentType as DocumentTypeCodec } from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Change, Row, RowRequest, TableSpec } from '../model/readModel.js';
import { encodedRow, fetched } from './columns.js';
import { tenantOf } from './common.js';

/** What the content says; absent means an invoice (contents written before credit notes could be imported). */
export const documentTypeOf = (content: InvoiceContent): DocumentType => content.documentType ?? 'invoice';

/** What an invoice's effect is multiplied by for this document: 1 for an invoice, −1 for a credit note. */
export const documentSign = (documentType: DocumentType): 1n | -1n =>
  documentType === 'credit_note' ? -1n : 1n;

/** The sign of what takes a document's effect back (its void, a credit note against it): `-documentSign`. */
export const reversalSign = (documentType: DocumentType): 1n | -1n =>
  documentType === 'credit_note' ? 1n : -1n;

/** One draft's document type, keyed like the invoice. */
export const DocumentTypeRow = t.type(
  { tenant_id: t.string, invoice_id: t.string, document_type: DocumentTypeCodec },
  'DocumentTypeRow',
);
export type DocumentTypeRow = t.TypeOf<typeof DocumentTypeRow>;

const DOCUMENT_TYPES = 'document_types';

export const documentTypesTable: TableSpec = {
  name: DOCUMENT_TYPES,
  columns: [
    { name: 'tenant_id', type: 'text' },
    { name: 'invoice_id', type: 'text' },
    { name: 'document_type', type: 'text' },
  ],
  primaryKey: ['tenant_id', 'invoice_id'],
};

/** The row a draft event writes: the document type of its content. */
export const documentTypeChange = (
  event: ProjectedEvent,
  draft: InvoiceDraftCreated | InvoiceDraftRevised,
): Change => {
  const row: DocumentTypeRow = {
    tenant_id: tenantOf(event),
    invoice_id: draft.data.invoiceId,
    document_type: documentTypeOf(draft.data.content),
  };
  return { op: 'upsert', table: DOCUMENT_TYPES, row: encodedRow(DocumentTypeRow, row, { ...row }) };
};

/** The request for `invoiceId`'s document type (an invoice of the event's tenant). */
export const documentTypeRequest = (event: ProjectedEvent, invoiceId: string): RowRequest => ({
  table: DOCUMENT_TYPES,
  key: { tenant_id: tenantOf(event), invoice_id: invoiceId },
});

/**
 * The document type a fetched row gives: `invoice` without a row (a log that does not hold the draft, read as
 * before credit notes could be imported), `undefined` when the row is damaged — never guessed at.
 */
export const fetchedDocumentType = (row: Row | undefined): DocumentType | undefined => {
  const found = fetched(DocumentTypeRow, row);
  switch (found._tag) {
    case 'Missing':
      return 'invoice';
    case 'Found':
      return found.value.document_type;
    case 'Damaged':
      return undefined;
  }
};
