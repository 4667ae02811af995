import * as E from 'fp-ts/lib/Either.js';

import type { AsOf, InvoiceEvent, InvoiceState, LoadedEvent, ReadError, StateAsOf } from '@accrue/domain';
import { InvoiceContent, formatMinorUnits, invoiceAggregate, invoiceStream, stateAsOf } from '@accrue/domain';
import type { InvoiceDetailView } from '@accrue/projections';

const isOfType =
  <T extends InvoiceEvent['type']>(type: T) =>
  (event: InvoiceEvent): event is Extract<InvoiceEvent, { type: T }> =>
    event.type === type;

const eventOf = <T extends InvoiceEvent['type']>(
  events: ReadonlyArray<LoadedEvent<InvoiceEvent>>,
  type: T,
): ReadonlyArray<Extract<InvoiceEvent, { type: T }>> =>
  events.map((loaded) => loaded.event).filter(isOfType(type));

/**
 * The invoice as the read model's detail view would have shown it after the folded events, so time travel goes
 * through the same resource builder as the live invoice (one Invoice type, the same fields). Money and status
 * come from the aggregate's state; the dates the approval fixed and the lifecycle's times from the events.
 * Credit notes show what the invoice stream knows of them (the amounts applied).
 */
export const viewOfState = (
  invoiceId: string,
  folded: StateAsOf<InvoiceEvent, InvoiceState>,
): InvoiceDetailView | undefined => {
  const { state, events } = folded;
  if (state._tag === 'NoInvoice' || folded.position === undefined) return undefined;
  const { content } = state;
  const created = eventOf(events, 'InvoiceDraftCreated')[0];
  const approved = eventOf(events, 'InvoiceApproved')[0];
  const payments = eventOf(events, 'PaymentRecorded').map(({ data }) => ({
    paymentId: data.paymentId,
    amount: data.amount,
    paidAt: data.paidAt,
    recordedAt: data.recordedAt,
    ...(data.reference === undefined ? {} : { reference: data.reference }),
  }));
  const creditNotes = eventOf(events, 'CreditNoteApplied').map(({ data }) => ({
    creditNoteId: data.creditNoteId,
    appliedAmount: data.amount,
    appliedAt: data.appliedAt,
  }));
  const detail = {
    content: InvoiceContent.encode(content),
    createdAt: created?.data.createdAt ?? '',
    channels: state._tag === 'IssuedInvoice' ? state.channels : [],
    deliveredChannels: state._tag === 'IssuedInvoice' ? state.deliveredChannels : [],
    payments,
    ...(approved === undefined ? {} : { approvedAt: approved.data.approvedAt }),
  };
  const stamp = {
    invoiceId,
    customer: { id: content.customer.id, name: content.customer.name },
    overdue: undefined,
    creditNotes,
    providerSync: {},
    detail,
    streamVersion: folded.version,
    position: folded.position,
    updatedAt: events.at(-1)?.metadata.occurredAt ?? '',
  };
  if (state._tag === 'DraftInvoice') {
    const zero = formatMinorUnits(0n, content.currency);
    return {
      ...stamp,
      number: null,
      status: 'draft',
      issueDate: content.issueDate,
      dueDate: content.dueDate,
      currency: content.currency,
      payable: null,
      amountPaid: zero,
      amountCredited: zero,
      amountWrittenOff: zero,
      amountDue: null,
      totals: null,
      vatBreakdown: null,
    };
  }
  const money = (units: bigint): string => formatMinorUnits(units, state.currency);
  // As the read side counts it: what is still collectible, nothing once void.
  const due =
    state.status === 'void'
      ? 0n
      : state.payableAmount - state.paidAmount - state.creditedAmount - state.writtenOffAmount;
  return {
    ...stamp,
    number: state.number,
    status: state.status,
    issueDate: approved?.data.issueDate ?? content.issueDate,
    dueDate: approved?.data.dueDate ?? content.dueDate,
    currency: state.currency,
    payable: money(state.payableAmount),
    amountPaid: money(state.paidAmount),
    amountCredited: money(state.creditedAmount),
    amountWrittenOff: money(state.writtenOffAmount),
    amountDue: money(due),
    totals: state.totals,
    vatBreakdown: state.vatBreakdown,
  };
};

/** Time travel for one of `tenantId`'s invoices: its stream folded up to `asOf` (the tenant is part of the name). */
export const invoiceViewAsOf = async (
  store: Parameters<typeof stateAsOf>[0],
  tenantId: string,
  invoiceId: string,
  asOf: AsOf,
): Promise<E.Either<ReadError, InvoiceDetailView | undefined>> => {
  const folded = await stateAsOf(store, invoiceAggregate, invoiceStream(tenantId, invoiceId), asOf)();
  return E.map((result: StateAsOf<InvoiceEvent, InvoiceState>) => viewOfState(invoiceId, result))(folded);
};
