/**
 * Test support: an event log built through the real deciders (commands decoded from wire JSON, decided on the
 * stream's state), each event placed in the log as the projections receive it.
 */
import * as E from 'fp-ts/lib/Either.js';

import type { CreditNoteEvent, InvoiceEvent, NumberSeriesEvent } from '@accrue/domain';
import {
  CreditNoteCommand,
  InvoiceCommand,
  NumberSeriesCommand,
  amountDue,
  creditNoteDecider,
  creditNoteStream,
  foldEvents,
  formatMinorUnits,
  invoiceDecider,
  invoiceStream,
  numberSeriesDecider,
  numberSeriesStream,
} from '@accrue/domain';
import { decode } from '@accrue/domain/testing';

import type { DomainEvent, ProjectedEvent } from '../../model/projectedEvent.js';

export interface DraftOptions {
  readonly customer: { readonly id: string; readonly name: string };
  readonly currency?: string;
  readonly issueDate: string;
  readonly dueDate?: string;
  readonly series?: string;
  /** Lines as the API takes them; default one line of 100.00 at 25 % (payable 125.00). */
  readonly lines?: ReadonlyArray<Record<string, unknown>>;
  /** `credit_note` for an imported credit note (as `accrue import-ubl` drafts one, with series `CN`). */
  readonly documentType?: 'invoice' | 'credit_note';
}

export interface EventLog {
  readonly tenantId: string;
  /** Every event so far, in log order. */
  readonly events: ReadonlyArray<ProjectedEvent>;
  /** The events appended since `mark` (a count of events, from `events.length`). */
  readonly since: (mark: number) => ReadonlyArray<ProjectedEvent>;
  readonly draft: (invoiceId: string, options: DraftOptions, now: string) => ReadonlyArray<ProjectedEvent>;
  /** Reserves the series' next number and approves the draft with it. */
  readonly approve: (invoiceId: string, now: string) => ReadonlyArray<ProjectedEvent>;
  /** `draft` then `approve`, both at `now`. */
  readonly invoice: (invoiceId: string, options: DraftOptions, now: string) => ReadonlyArray<ProjectedEvent>;
  readonly send: (invoiceId: string, now: string) => ReadonlyArray<ProjectedEvent>;
  readonly pay: (
    invoiceId: string,
    paymentId: string,
    amount: string,
    paidAt: string,
    now?: string,
  ) => ReadonlyArray<ProjectedEvent>;
  /** Issues a credit note for a gross amount (spread over the invoice's rates) and applies it to the invoice. */
  readonly creditNote: (
    creditNoteId: string,
    invoiceId: string,
    amount: string,
    now: string,
  ) => ReadonlyArray<ProjectedEvent>;
  readonly voidInvoice: (invoiceId: string, now: string) => ReadonlyArray<ProjectedEvent>;
  readonly writeOff: (invoiceId: string, now: string) => ReadonlyArray<ProjectedEvent>;
  readonly annul: (
    series: string,
    year: number,
    counter: number,
    now: string,
  ) => ReadonlyArray<ProjectedEvent>;
}

const S25 = { category: 'S', rate: '25' };
const DEFAULT_LINES = [{ id: '1', quantity: '1', netPrice: '100.00', vat: S25 }];

/** A log for `tenantId`, starting at global position `firstPosition`. */
export const createEventLog = (tenantId: string, firstPosition = 1n): EventLog => {
  const events: Array<ProjectedEvent> = [];
  const streams = new Map<string, Array<DomainEvent>>();
  const creditNoteCounters = new Map<number, number>();
  let position = firstPosition;

  const append = (
    streamName: string,
    decided: ReadonlyArray<DomainEvent>,
    now: string,
  ): ReadonlyArray<ProjectedEvent> => {
    const stream = streams.get(streamName) ?? [];
    streams.set(streamName, stream);
    return decided.map((event) => {
      stream.push(event);
      const eventId = `${tenantId}:e${position.toString().padStart(6, '0')}`;
      const projected: ProjectedEvent = {
        event,
        streamName,
        streamVersion: stream.length,
        globalPosition: position,
        eventId,
        metadata: {
          eventId,
          tenantId,
          commandId: `cmd-${eventId}`,
          correlationId: `cmd-${eventId}`,
          causationId: `cmd-${eventId}`,
          actor: 'test',
          occurredAt: now,
          schemaVersion: 1,
          prevHash: null,
          hash: `hash-${eventId}`,
        },
      };
      position += 1n;
      events.push(projected);
      return projected;
    });
  };

  const decided = <Event>(
    result: E.Either<{ readonly _tag: string }, ReadonlyArray<Event>>,
    what: string,
  ) => {
    if (E.isLeft(result)) throw new Error(`${what} refused: ${result.left._tag}`);
    return result.right;
  };

  const invoiceEvents = (invoiceId: string): ReadonlyArray<InvoiceEvent> =>
    (streams.get(invoiceStream(tenantId, invoiceId)) ?? []).filter(
      (event): event is InvoiceEvent =>
        event.type !== 'CreditNoteIssued' &&
        event.type !== 'NumberReserved' &&
        event.type !== 'NumberAnnulled',
    );

  const invoiceCommand = (invoiceId: string, type: string, now: string, data: Record<string, unknown>) => {
    const command = decode(InvoiceCommand, { type, data: { invoiceId, tenantId, now, ...data } });
    const stream = invoiceStream(tenantId, invoiceId);
    const state = foldEvents(invoiceDecider, invoiceEvents(invoiceId));
    return append(stream, decided(invoiceDecider.decide(command, state), type), now);
  };

  const issued = (invoiceId: string) => {
    const state = foldEvents(invoiceDecider, invoiceEvents(invoiceId));
    if (state._tag !== 'IssuedInvoice') throw new Error(`${invoiceId} is not issued`);
    return state;
  };

  const seriesEvents = (stream: string): ReadonlyArray<NumberSeriesEvent> =>
    (streams.get(stream) ?? []).filter(
      (event): event is NumberSeriesEvent =>
        event.type === 'NumberReserved' || event.type === 'NumberAnnulled',
    );

  const numberCommand = (
    series: string,
    year: number,
    now: string,
    type: string,
    data: Record<string, unknown>,
  ) => {
    const command = decode(NumberSeriesCommand, { type, data: { tenantId, series, year, now, ...data } });
    const stream = numberSeriesStream(tenantId, series, year);
    const state = foldEvents(numberSeriesDecider, seriesEvents(stream));
    return append(stream, decided(numberSeriesDecider.decide(command, state), type), now);
  };

  const log: EventLog = {
    tenantId,
    get events() {
      return events;
    },
    since: (mark) => events.slice(mark),
    draft: (invoiceId, options, now) =>
      invoiceCommand(invoiceId, 'CreateDraftInvoice', now, {
        customer: options.customer,
        currency: options.currency ?? 'EUR',
        issueDate: options.issueDate,
        ...(options.dueDate === undefined ? {} : { dueDate: options.dueDate }),
        ...(options.series === undefined ? {} : { series: options.series }),
        ...(options.documentType === undefined ? {} : { documentType: options.documentType }),
        lines: options.lines ?? DEFAULT_LINES,
      }),
    approve: (invoiceId, now) => {
      const draft = foldEvents(invoiceDecider, invoiceEvents(invoiceId));
      if (draft._tag !== 'DraftInvoice') throw new Error(`${invoiceId} is not a draft`);
      const { series, issueDate } = draft.content;
      const year = Number(issueDate.slice(0, 4));
      const reserved = numberCommand(series, year, now, 'ReserveNumber', { invoiceId });
      const reservation = reserved[0]?.event;
      if (reservation?.type !== 'NumberReserved') throw new Error('expected NumberReserved');
      const { number, counter } = reservation.data;
      return [...reserved, ...invoiceCommand(invoiceId, 'ApproveInvoice', now, { number, counter })];
    },
    invoice: (invoiceId, options, now) => [
      ...log.draft(invoiceId, options, now),
      ...log.approve(invoiceId, now),
    ],
    send: (invoiceId, now) => invoiceCommand(invoiceId, 'SendInvoice', now, { channel: 'email' }),
    pay: (invoiceId, paymentId, amount, paidAt, now = paidAt) =>
      invoiceCommand(invoiceId, 'RecordPayment', now, {
        paymentId,
        amount,
        currency: issued(invoiceId).currency,
        paidAt,
      }),
    creditNote: (creditNoteId, invoiceId, amount, now) => {
      const invoice = issued(invoiceId);
      const year = Number(now.slice(0, 4));
      const counter = (creditNoteCounters.get(year) ?? 0) + 1;
      creditNoteCounters.set(year, counter);
      const command = decode(CreditNoteCommand, {
        type: 'IssueCreditNote',
        data: {
          creditNoteId,
          tenantId,
          now,
          number: `CN-${String(year)}-${String(counter).padStart(6, '0')}`,
          currency: invoice.currency,
          reason: 'Goodwill',
          invoice: {
            invoiceId,
            number: invoice.number,
            status: invoice.status,
            currency: invoice.currency,
            amountDue: formatMinorUnits(amountDue(invoice), invoice.currency),
            vatBreakdown: invoice.vatBreakdown,
          },
          content: { amount },
        },
      });
      const stream = creditNoteStream(tenantId, creditNoteId);
      const state = foldEvents(
        creditNoteDecider,
        (streams.get(stream) ?? []).filter(
          (event): event is CreditNoteEvent => event.type === 'CreditNoteIssued',
        ),
      );
      const issuedNote = append(
        stream,
        decided(creditNoteDecider.decide(command, state), 'IssueCreditNote'),
        now,
      );
      const note = issuedNote[0]?.event;
      if (note?.type !== 'CreditNoteIssued') throw new Error('expected CreditNoteIssued');
      return [
        ...issuedNote,
        ...invoiceCommand(invoiceId, 'ApplyCreditNote', now, {
          creditNoteId,
          amount: note.data.totals.payableAmount,
        }),
      ];
    },
    voidInvoice: (invoiceId, now) =>
      invoiceCommand(invoiceId, 'VoidInvoice', now, { reason: 'Wrong customer' }),
    writeOff: (invoiceId, now) =>
      invoiceCommand(invoiceId, 'WriteOffInvoice', now, { reason: 'Customer insolvent' }),
    annul: (series, year, counter, now) =>
      numberCommand(series, year, now, 'AnnulNumber', { counter, reason: 'Approval failed' }),
  };
  return log;
};
