/**
 * Revenue by month and currency: what was invoiced (approved payables, less credit notes and voids) and what was
 * paid, one signed row per event so a month's figure is a sum.
 */
import * as t from 'io-ts';

import { CivilDate, CurrencyCode } from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change } from '../model/readModel.js';
import { IntegerColumn, encodedRow, fetched, nullable } from './columns.js';
import { dayOf, minorUnits, monthOf, tenantOf } from './common.js';

/** Each approved invoice's payable, kept so a void can take back exactly what was counted. */
export const RevenueInvoiceRow = t.type(
  {
    tenant_id: t.string,
    invoice_id: t.string,
    currency: CurrencyCode,
    payable: IntegerColumn,
    voided_on: nullable(CivilDate),
  },
  'RevenueInvoiceRow',
);
export type RevenueInvoiceRow = t.TypeOf<typeof RevenueInvoiceRow>;

/** What a revenue entry counts. */
export const RevenueEntryKind = t.keyof(
  { invoice: null, credit_note: null, void: null, payment: null },
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
 * Idempotent: entries are keyed by event id; a void is applied once (`invoices.voided_on`). A void of an invoice
 * whose approval this log does not hold changes nothing.
 */
export const revenueProjection: Projection = {
  name: 'revenue',
  version: 1,
  tables: [
    {
      name: INVOICES,
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'invoice_id', type: 'text' },
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
  ],
  reads: (event) =>
    event.event.type === 'InvoiceVoided'
      ? [{ table: INVOICES, key: { tenant_id: tenantOf(event), invoice_id: event.event.data.invoiceId } }]
      : [],
  apply: (event, rows) => {
    const domainEvent = event.event;
    switch (domainEvent.type) {
      case 'InvoiceApproved': {
        const { invoiceId, currency, issueDate, totals } = domainEvent.data;
        const payable = minorUnits(totals.payableAmount, currency);
        return [
          invoiceRow({
            tenant_id: tenantOf(event),
            invoice_id: invoiceId,
            currency,
            payable,
            voided_on: null,
          }),
          entry(event, {
            kind: 'invoice',
            invoiceId,
            date: issueDate,
            currency,
            approved: payable,
            paid: 0n,
          }),
        ];
      }
      case 'CreditNoteIssued': {
        const { invoiceId, currency, issueDate, totals } = domainEvent.data;
        const amount = minorUnits(totals.payableAmount, currency);
        return [
          entry(event, {
            kind: 'credit_note',
            invoiceId,
            date: issueDate,
            currency,
            approved: -amount,
            paid: 0n,
          }),
        ];
      }
      case 'PaymentRecorded': {
        const { invoiceId, currency, paidAt, amount } = domainEvent.data;
        return [
          entry(event, {
            kind: 'payment',
            invoiceId,
            date: dayOf(paidAt),
            currency,
            approved: 0n,
            paid: minorUnits(amount, currency),
          }),
        ];
      }
      case 'InvoiceVoided': {
        const invoice = fetched(RevenueInvoiceRow, rows[0]);
        if (invoice._tag !== 'Found' || invoice.value.voided_on !== null) return [];
        const voidedOn = dayOf(domainEvent.data.voidedAt);
        const { invoice_id, currency, payable } = invoice.value;
        return [
          invoiceRow({ ...invoice.value, voided_on: voidedOn }),
          entry(event, {
            kind: 'void',
            invoiceId: invoice_id,
            date: voidedOn,
            currency,
            approved: -payable,
            paid: 0n,
          }),
        ];
      }
      default:
        return [];
    }
  },
};
