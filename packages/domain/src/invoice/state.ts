import type { CurrencyCode } from '../money/currency.js';
import type { Counter, InvoiceNumber } from '../numbering/format.js';
import { bug } from '../shared/bug.js';
import type { FrozenTotals, FrozenVatBreakdownEntry } from '../shared/frozenAmounts.js';
import { frozenMinorUnits } from '../shared/frozenAmounts.js';
import type { CreditNoteId, InvoiceId, PaymentId, TenantId } from '../shared/ids.js';
import type { DeliveryChannel } from './channel.js';
import type { InvoiceContent } from './content.js';
import type { InvoiceEvent } from './events.js';
import type { InvoiceStatus } from './status.js';

/** A stream with no events yet. */
export interface NoInvoice {
  readonly _tag: 'NoInvoice';
}

export interface DraftInvoice {
  readonly _tag: 'DraftInvoice';
  readonly invoiceId: InvoiceId;
  readonly tenantId: TenantId;
  readonly content: InvoiceContent;
}

export type IssuedStatus = Exclude<InvoiceStatus, 'draft'>;

/** An approved invoice and everything after: content and totals frozen, money tracked in minor units. */
export interface IssuedInvoice {
  readonly _tag: 'IssuedInvoice';
  readonly invoiceId: InvoiceId;
  readonly tenantId: TenantId;
  readonly status: IssuedStatus;
  readonly content: InvoiceContent;
  readonly number: InvoiceNumber;
  readonly counter: Counter;
  readonly currency: CurrencyCode;
  readonly totals: FrozenTotals;
  readonly vatBreakdown: ReadonlyArray<FrozenVatBreakdownEntry>;
  readonly payableAmount: bigint;
  readonly paidAmount: bigint;
  readonly creditedAmount: bigint;
  readonly writtenOffAmount: bigint;
  /** Kept with their amounts so a repeated id is recognised, and a reused one with other data refused. */
  readonly payments: ReadonlyArray<{ readonly paymentId: PaymentId; readonly amount: bigint }>;
  readonly creditNotes: ReadonlyArray<{ readonly creditNoteId: CreditNoteId; readonly amount: bigint }>;
  readonly channels: ReadonlyArray<DeliveryChannel>;
  readonly deliveredChannels: ReadonlyArray<DeliveryChannel>;
}

export type InvoiceState = NoInvoice | DraftInvoice | IssuedInvoice;

export const initialInvoiceState: InvoiceState = { _tag: 'NoInvoice' };

/** The lifecycle status, or none for a stream without events. */
export const invoiceStatus = (state: InvoiceState): InvoiceStatus | undefined => {
  switch (state._tag) {
    case 'NoInvoice':
      return undefined;
    case 'DraftInvoice':
      return 'draft';
    case 'IssuedInvoice':
      return state.status;
  }
};

/** Payable amount − payments − credits, in minor units. A write-off leaves it as it was: it is not paid. */
export const amountDue = (state: IssuedInvoice): bigint =>
  state.payableAmount - state.paidAmount - state.creditedAmount;

// The events of a stream come from `decide` on the state before them, so an event that does not fit the
// state means the stream was written by something else: a bug, not a rule.
const expectDraft = (state: InvoiceState, event: InvoiceEvent): DraftInvoice =>
  state._tag === 'DraftInvoice' ? state : bug(`${event.type} on ${state._tag}`);

const expectIssued = (state: InvoiceState, event: InvoiceEvent): IssuedInvoice =>
  state._tag === 'IssuedInvoice' ? state : bug(`${event.type} on ${state._tag}`);

const addOnce = <A>(values: ReadonlyArray<A>, value: A): ReadonlyArray<A> =>
  values.includes(value) ? values : [...values, value];

/** Folds one invoice event into the state. Pure; every status change of the lifecycle happens here. */
export const evolveInvoice = (state: InvoiceState, event: InvoiceEvent): InvoiceState => {
  switch (event.type) {
    case 'InvoiceDraftCreated':
      if (state._tag !== 'NoInvoice') return bug(`InvoiceDraftCreated on ${state._tag}`);
      return {
        _tag: 'DraftInvoice',
        invoiceId: event.data.invoiceId,
        tenantId: event.data.tenantId,
        content: event.data.content,
      };
    case 'InvoiceDraftRevised':
      return { ...expectDraft(state, event), content: event.data.content };
    case 'InvoiceApproved': {
      const draft = expectDraft(state, event);
      const { number, counter, currency, totals, vatBreakdown } = event.data;
      return {
        _tag: 'IssuedInvoice',
        invoiceId: draft.invoiceId,
        tenantId: draft.tenantId,
        status: 'approved',
        content: draft.content,
        number,
        counter,
        currency,
        totals,
        vatBreakdown,
        payableAmount: frozenMinorUnits(totals.payableAmount, currency),
        paidAmount: 0n,
        creditedAmount: 0n,
        writtenOffAmount: 0n,
        payments: [],
        creditNotes: [],
        channels: [],
        deliveredChannels: [],
      };
    }
    case 'InvoiceSent': {
      const invoice = expectIssued(state, event);
      return {
        ...invoice,
        status: invoice.status === 'approved' ? 'sent' : invoice.status,
        channels: addOnce(invoice.channels, event.data.channel),
      };
    }
    case 'InvoiceDelivered': {
      const invoice = expectIssued(state, event);
      return { ...invoice, deliveredChannels: addOnce(invoice.deliveredChannels, event.data.channel) };
    }
    case 'PaymentRecorded': {
      const invoice = expectIssued(state, event);
      const amount = frozenMinorUnits(event.data.amount, invoice.currency);
      return {
        ...invoice,
        // A payment that settles the invoice is followed by InvoicePaid, which moves it on to `paid`.
        status: 'partially_paid',
        paidAmount: invoice.paidAmount + amount,
        payments: [...invoice.payments, { paymentId: event.data.paymentId, amount }],
      };
    }
    case 'CreditNoteApplied': {
      const invoice = expectIssued(state, event);
      const amount = frozenMinorUnits(event.data.amount, invoice.currency);
      return {
        ...invoice,
        // A credit is not a payment: the status stays until InvoicePaid says nothing is due.
        creditedAmount: invoice.creditedAmount + amount,
        creditNotes: [...invoice.creditNotes, { creditNoteId: event.data.creditNoteId, amount }],
      };
    }
    case 'InvoicePaid':
      return { ...expectIssued(state, event), status: 'paid' };
    case 'InvoiceVoided':
      return { ...expectIssued(state, event), status: 'void' };
    case 'InvoiceWrittenOff': {
      const invoice = expectIssued(state, event);
      return {
        ...invoice,
        status: 'uncollectible',
        writtenOffAmount: frozenMinorUnits(event.data.amount, invoice.currency),
      };
    }
  }
};
