/**
 * Invoice events. THIS IS THE STORED FORMAT: events are immutable facts read back for ever (replay, time
 * travel, audit, hash chains), so changes are additive only — new optional fields, new event types. Anything
 * else goes through an upcaster applied when reading.
 *
 * Money in events is a decimal string in the currency's own scale (`"1643.75"` EUR, `"1200"` JPY,
 * `"12.345"` KWD); timestamps are ISO 8601 with an offset; dates are `YYYY-MM-DD`. Metadata (event id,
 * tenant, command, hash chain…) is added by the command handler around `{ type, data }`.
 */
import * as t from 'io-ts';

import { CurrencyCode } from '../money/currency.js';
import { Counter, InvoiceNumber, Series, Year } from '../numbering/format.js';
import { CivilDate } from '../shared/civilDate.js';
import { DecimalString, FrozenTotals, FrozenVatBreakdownEntry } from '../shared/frozenAmounts.js';
import { CreditNoteId, InvoiceId, PaymentId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';
import { DeliveryChannel } from './channel.js';
import { InvoiceContent } from './content.js';

/** A draft was started, with its whole content (defaults already applied). */
export const InvoiceDraftCreated = t.strict(
  {
    type: t.literal('InvoiceDraftCreated'),
    data: t.strict({
      invoiceId: InvoiceId,
      tenantId: TenantId,
      content: InvoiceContent,
      createdAt: Timestamp,
    }),
  },
  'InvoiceDraftCreated',
);
export type InvoiceDraftCreated = t.TypeOf<typeof InvoiceDraftCreated>;

/** The draft's content after a revision, whole: readers replace, they never merge. */
export const InvoiceDraftRevised = t.strict(
  {
    type: t.literal('InvoiceDraftRevised'),
    data: t.strict({ invoiceId: InvoiceId, content: InvoiceContent, revisedAt: Timestamp }),
  },
  'InvoiceDraftRevised',
);
export type InvoiceDraftRevised = t.TypeOf<typeof InvoiceDraftRevised>;

/**
 * The invoice was issued under `number`. Its content (the last draft event) and these totals and VAT
 * breakdown are frozen from here on: they are what the customer was told, whatever the calculation code
 * does later.
 */
export const InvoiceApproved = t.strict(
  {
    type: t.literal('InvoiceApproved'),
    data: t.strict({
      invoiceId: InvoiceId,
      number: InvoiceNumber,
      series: Series,
      year: Year,
      counter: Counter,
      issueDate: CivilDate,
      dueDate: CivilDate,
      currency: CurrencyCode,
      totals: FrozenTotals,
      vatBreakdown: t.readonlyArray(FrozenVatBreakdownEntry),
      approvedAt: Timestamp,
    }),
  },
  'InvoiceApproved',
);
export type InvoiceApproved = t.TypeOf<typeof InvoiceApproved>;

/** The invoice went out on `channel`. Recorded once per channel. */
export const InvoiceSent = t.strict(
  {
    type: t.literal('InvoiceSent'),
    data: t.strict({ invoiceId: InvoiceId, channel: DeliveryChannel, sentAt: Timestamp }),
  },
  'InvoiceSent',
);
export type InvoiceSent = t.TypeOf<typeof InvoiceSent>;

export const InvoiceDelivered = t.strict(
  {
    type: t.literal('InvoiceDelivered'),
    data: t.strict({ invoiceId: InvoiceId, channel: DeliveryChannel, deliveredAt: Timestamp }),
  },
  'InvoiceDelivered',
);
export type InvoiceDelivered = t.TypeOf<typeof InvoiceDelivered>;

/** Money received: `paidAt` is when the payer paid, `recordedAt` when Accrue learnt of it. */
export const PaymentRecorded = t.strict(
  {
    type: t.literal('PaymentRecorded'),
    data: t.intersection([
      t.strict({
        invoiceId: InvoiceId,
        paymentId: PaymentId,
        amount: DecimalString,
        currency: CurrencyCode,
        paidAt: Timestamp,
        recordedAt: Timestamp,
      }),
      t.partial({ reference: t.string }),
    ]),
  },
  'PaymentRecorded',
);
export type PaymentRecorded = t.TypeOf<typeof PaymentRecorded>;

/** A credit note's amount was taken off what the customer owes. */
export const CreditNoteApplied = t.strict(
  {
    type: t.literal('CreditNoteApplied'),
    data: t.strict({
      invoiceId: InvoiceId,
      creditNoteId: CreditNoteId,
      amount: DecimalString,
      currency: CurrencyCode,
      appliedAt: Timestamp,
    }),
  },
  'CreditNoteApplied',
);
export type CreditNoteApplied = t.TypeOf<typeof CreditNoteApplied>;

/**
 * Nothing is due any more: status `paid`. "Paid" means settled — by payments, credit notes or both — and the
 * two totals say how. Always follows the `PaymentRecorded` or `CreditNoteApplied` that settled it.
 */
export const InvoicePaid = t.strict(
  {
    type: t.literal('InvoicePaid'),
    data: t.strict({
      invoiceId: InvoiceId,
      paidAmount: DecimalString,
      creditedAmount: DecimalString,
      currency: CurrencyCode,
      settledAt: Timestamp,
    }),
  },
  'InvoicePaid',
);
export type InvoicePaid = t.TypeOf<typeof InvoicePaid>;

export const InvoiceVoided = t.strict(
  {
    type: t.literal('InvoiceVoided'),
    data: t.strict({ invoiceId: InvoiceId, reason: NonEmptyString, voidedAt: Timestamp }),
  },
  'InvoiceVoided',
);
export type InvoiceVoided = t.TypeOf<typeof InvoiceVoided>;

/** The amount still due was written off as uncollectible: status `uncollectible`. */
export const InvoiceWrittenOff = t.strict(
  {
    type: t.literal('InvoiceWrittenOff'),
    data: t.strict({
      invoiceId: InvoiceId,
      amount: DecimalString,
      currency: CurrencyCode,
      reason: NonEmptyString,
      writtenOffAt: Timestamp,
    }),
  },
  'InvoiceWrittenOff',
);
export type InvoiceWrittenOff = t.TypeOf<typeof InvoiceWrittenOff>;

export const InvoiceEvent = t.union(
  [
    InvoiceDraftCreated,
    InvoiceDraftRevised,
    InvoiceApproved,
    InvoiceSent,
    InvoiceDelivered,
    PaymentRecorded,
    CreditNoteApplied,
    InvoicePaid,
    InvoiceVoided,
    InvoiceWrittenOff,
  ],
  'InvoiceEvent',
);
export type InvoiceEvent = t.TypeOf<typeof InvoiceEvent>;
