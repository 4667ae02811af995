import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import { handleCommand } from '../commandHandling/handleCommand.js';
import { decodeRecordedEvent, loadStream } from '../commandHandling/loadStream.js';
import type { CommandContext } from '../commandHandling/metadata.js';
import {
  creditNoteStream,
  invoiceStream,
  numberSeriesStream,
  parseStreamName,
} from '../commandHandling/streams.js';
import type { EventStore, ReadError } from '../eventStore/port.js';
import type { NumberReserved } from '../numbering/events.js';
import { bug } from '../shared/bug.js';
import { NonEmptyString } from '../shared/text.js';
import type { Timestamp } from '../shared/timestamp.js';
import { creditNoteAggregate, invoiceAggregate, numberSeriesAggregate } from './aggregates.js';
import { foldLoaded } from '../commandHandling/loadStream.js';

export interface RecoveryAction {
  readonly number: string;
  readonly invoiceId: string;
  readonly outcome: 'completed' | 'annulled' | 'failed';
  readonly reason?: string;
}

/**
 * Finds numbers that were reserved but never used, e.g. after a crash between reserving a number and
 * approving the invoice, and settles each one: the approval is completed with that number when the draft can
 * still be approved, otherwise the number is annulled with its reason. Never leaves a silent gap.
 *
 * `isStale` decides which reservations are old enough to be treated as abandoned rather than in flight (the
 * caller owns the clock); at start-up, before serving, every reservation is stale.
 */
export const recoverNumberReservations =
  (
    store: EventStore,
    options: {
      readonly now: Timestamp;
      readonly isStale: (reservedAt: string) => boolean;
      readonly actor?: string;
    },
  ): TE.TaskEither<ReadError, ReadonlyArray<RecoveryAction>> =>
  async () => {
    const outstanding = new Map<string, NumberReserved['data']>();
    let after: bigint | undefined;
    for (;;) {
      const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 })();
      if (E.isLeft(batch)) return batch;
      for (const recorded of batch.right.events) {
        if (parseStreamName(recorded.streamName)?.category !== 'numberseries') continue;
        const decoded = decodeRecordedEvent(numberSeriesAggregate.events, recorded);
        if (E.isLeft(decoded)) return decoded;
        const { event } = decoded.right;
        const key = `${recorded.streamName}#${event.data.counter}`;
        if (event.type === 'NumberReserved') outstanding.set(key, event.data);
        else outstanding.delete(key);
      }
      if (batch.right.events.length < 1000) break;
      after = batch.right.lastPosition;
    }

    const actions: RecoveryAction[] = [];
    for (const reservation of outstanding.values()) {
      if (!options.isStale(reservation.reservedAt)) continue;
      const action = await settle(store, reservation, options);
      if (action !== undefined) actions.push(action);
    }
    return E.right(actions);
  };

const settle = async (
  store: EventStore,
  reservation: NumberReserved['data'],
  options: { readonly now: Timestamp; readonly actor?: string },
): Promise<RecoveryAction | undefined> => {
  const { tenantId, series, year, counter, number, invoiceId } = reservation;
  const stream = invoiceStream(tenantId, invoiceId);
  const history = await loadStream(store, invoiceAggregate.events, stream)();
  if (E.isLeft(history)) return { number, invoiceId, outcome: 'failed', reason: history.left._tag };
  const state = foldLoaded(invoiceAggregate.decider, history.right);
  if (state._tag === 'IssuedInvoice' && state.number === number) return undefined;
  if (state._tag === 'NoInvoice') {
    // Credit notes take numbers too (series CN), reserved under the credit note's id.
    const creditNote = await loadStream(
      store,
      creditNoteAggregate.events,
      creditNoteStream(tenantId, invoiceId),
    )();
    if (E.isLeft(creditNote)) return { number, invoiceId, outcome: 'failed', reason: creditNote.left._tag };
    // A credit note stream holds one event, CreditNoteIssued.
    const issued = creditNote.right[0];
    if (issued !== undefined && issued.event.data.number === number) return undefined;
  }

  const context: CommandContext = {
    tenantId,
    commandId: `recover-number:${tenantId}:${series}:${year}:${counter}`,
    actor: options.actor ?? 'accrue:recovery',
    now: options.now,
  };
  let reason: string;
  if (state._tag === 'DraftInvoice') {
    const completed = await handleCommand(
      store,
      invoiceAggregate,
      stream,
      { type: 'ApproveInvoice', data: { invoiceId, tenantId, now: options.now, number, counter } },
      context,
    )();
    if (E.isRight(completed)) return { number, invoiceId, outcome: 'completed' };
    reason = `approval could not be completed: ${completed.left._tag === 'CommandRejected' ? completed.left.error._tag : completed.left._tag}`;
  } else if (state._tag === 'NoInvoice') {
    reason = 'no invoice or credit note carries it';
  } else {
    reason = `the invoice was approved under ${state.number}`;
  }
  const annulled = await handleCommand(
    store,
    numberSeriesAggregate,
    numberSeriesStream(tenantId, series, year),
    {
      type: 'AnnulNumber',
      data: { tenantId, series, year, now: options.now, counter, reason: nonEmpty(reason) },
    },
    { ...context, commandId: `${context.commandId}:annul` },
    { maxAttempts: 50 },
  )();
  return E.isRight(annulled)
    ? { number, invoiceId, outcome: 'annulled', reason }
    : { number, invoiceId, outcome: 'failed', reason: annulled.left._tag };
};

const nonEmpty = (text: string): NonEmptyString => (NonEmptyString.is(text) ? text : bug('empty reason'));
