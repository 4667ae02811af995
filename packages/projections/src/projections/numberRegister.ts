/**
 * The invoice number register: every number a series handed out, and what became of it, so an auditor can see
 * the sequence has no silent gap.
 */
import * as t from 'io-ts';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import type { Projection } from '../model/projection.js';
import type { Change } from '../model/readModel.js';
import { IntegerColumn, SmallIntegerColumn, encodedRow, fetched, nullable } from './columns.js';
import { tenantOf } from './common.js';

/** `reserved` until the invoice's approval with the number is seen (`issued`), or the number is `annulled`. */
export const NumberStatus = t.keyof({ reserved: null, issued: null, annulled: null }, 'NumberStatus');
export type NumberStatus = t.TypeOf<typeof NumberStatus>;

export const NumberRow = t.type(
  {
    tenant_id: t.string,
    series: t.string,
    year: SmallIntegerColumn,
    counter: SmallIntegerColumn,
    number: t.string,
    invoice_id: t.string,
    status: NumberStatus,
    reserved_at: nullable(t.string),
    issued_at: nullable(t.string),
    annulled_at: nullable(t.string),
    annulment_reason: nullable(t.string),
    position: IntegerColumn,
  },
  'NumberRow',
);
export type NumberRow = t.TypeOf<typeof NumberRow>;

const NUMBERS = 'numbers';

interface NumberKey {
  readonly tenant_id: string;
  readonly series: string;
  readonly year: number;
  readonly counter: number;
}

const keyOf = (event: ProjectedEvent): NumberKey | undefined => {
  const domainEvent = event.event;
  switch (domainEvent.type) {
    case 'NumberReserved':
    case 'NumberAnnulled':
    case 'InvoiceApproved': {
      const { series, year, counter } = domainEvent.data;
      return { tenant_id: tenantOf(event), series, year, counter };
    }
    default:
      return undefined;
  }
};

const upsert = (row: NumberRow): ReadonlyArray<Change> => [
  { op: 'upsert', table: NUMBERS, row: encodedRow(NumberRow, row, { ...row }) },
];

/** A row for a number first seen through `event` (normally its reservation; the others cope with any order). */
const blank = (key: NumberKey, number: string, invoiceId: string, event: ProjectedEvent): NumberRow => ({
  ...key,
  number,
  invoice_id: invoiceId,
  status: 'reserved',
  reserved_at: null,
  issued_at: null,
  annulled_at: null,
  annulment_reason: null,
  position: event.globalPosition,
});

/**
 * The number register (`numbers`, keyed by tenant, series, year and counter): each number with its invoice and
 * status — `reserved` by `NumberReserved`, `issued` when that invoice's `InvoiceApproved` carries it, `annulled`
 * (with the reason) by `NumberAnnulled`.
 *
 * Idempotent: each event sets fields that a second delivery finds already set, and then changes nothing.
 */
export const numberRegisterProjection: Projection = {
  name: 'numberRegister',
  version: 1,
  tables: [
    {
      name: NUMBERS,
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'series', type: 'text' },
        { name: 'year', type: 'integer' },
        { name: 'counter', type: 'integer' },
        { name: 'number', type: 'text' },
        { name: 'invoice_id', type: 'text' },
        { name: 'status', type: 'text' },
        { name: 'reserved_at', type: 'text', nullable: true },
        { name: 'issued_at', type: 'text', nullable: true },
        { name: 'annulled_at', type: 'text', nullable: true },
        { name: 'annulment_reason', type: 'text', nullable: true },
        { name: 'position', type: 'integer' },
      ],
      primaryKey: ['tenant_id', 'series', 'year', 'counter'],
      indexes: [['tenant_id', 'invoice_id']],
    },
  ],
  reads: (event) => {
    const key = keyOf(event);
    return key === undefined ? [] : [{ table: NUMBERS, key: { ...key } }];
  },
  apply: (event, rows) => {
    const key = keyOf(event);
    if (key === undefined) return [];
    const current = fetched(NumberRow, rows[0]);
    if (current._tag === 'Damaged') return [];
    const existing = current._tag === 'Found' ? current.value : undefined;
    const domainEvent = event.event;
    const stamp = { position: event.globalPosition };
    switch (domainEvent.type) {
      case 'NumberReserved': {
        const { number, invoiceId, reservedAt } = domainEvent.data;
        if (existing?.reserved_at != null) return [];
        const row = existing ?? blank(key, number, invoiceId, event);
        return upsert({ ...row, ...stamp, reserved_at: reservedAt });
      }
      case 'NumberAnnulled': {
        const { number, invoiceId, reason, annulledAt } = domainEvent.data;
        if (existing?.status === 'annulled') return [];
        const row = existing ?? blank(key, number, invoiceId, event);
        return upsert({
          ...row,
          ...stamp,
          status: 'annulled',
          annulled_at: annulledAt,
          annulment_reason: reason,
        });
      }
      case 'InvoiceApproved': {
        const { number, invoiceId, approvedAt } = domainEvent.data;
        if (existing?.status === 'issued') return [];
        const row = existing ?? blank(key, number, invoiceId, event);
        // The invoice carries the number: that is the fact the register records, whatever came before it.
        return upsert({ ...row, ...stamp, invoice_id: invoiceId, status: 'issued', issued_at: approvedAt });
      }
      default:
        return [];
    }
  },
};
