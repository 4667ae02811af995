import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { HandleError, HandleResult } from '../commandHandling/handleCommand.js';
import type { Sha256Hex } from '../commandHandling/hashChain.js';
import { handleCommand } from '../commandHandling/handleCommand.js';
import { loadStream } from '../commandHandling/loadStream.js';
import type { CommandContext } from '../commandHandling/metadata.js';
import { invoiceStream, numberSeriesStream } from '../commandHandling/streams.js';
import type { EventStore } from '../eventStore/port.js';
import { planApproval } from '../invoice/decide.js';
import type { InvoiceError } from '../invoice/errors.js';
import type { InvoiceEvent } from '../invoice/events.js';
import type { InvoiceState } from '../invoice/state.js';
import type { NumberSeriesError } from '../numbering/errors.js';
import { findReservation } from '../numbering/state.js';
import { InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { bug } from '../shared/bug.js';
import { Timestamp } from '../shared/timestamp.js';
import * as t from 'io-ts';
import { invoiceAggregate, numberSeriesAggregate } from './aggregates.js';
import type { KeyedMutex } from './keyedMutex.js';
import { seriesReservationsFor } from './seriesReservations.js';
import { foldLoaded } from '../commandHandling/loadStream.js';

/** What approving needs from the edge: which invoice, for which tenant, and when. */
export const ApprovalRequest = t.strict(
  { tenantId: TenantId, invoiceId: InvoiceId, now: Timestamp },
  'ApprovalRequest',
);
export type ApprovalRequest = t.TypeOf<typeof ApprovalRequest>;

export interface ApprovalDeps {
  readonly store: EventStore;
  /**
   * This process's coordination of number reservations: approvals sharing it have their reservations batched
   * per series (`seriesReservationsFor`). One per runtime.
   */
  readonly seriesLocks: KeyedMutex;
  /** The hash-chain SHA-256 (default pure JavaScript). */
  readonly sha256?: Sha256Hex;
}

/** The series lost the reservation between reserving and approving (annulled by a concurrent recovery). */
export interface NumberReservationLost {
  readonly _tag: 'NumberReservationLost';
  readonly invoiceId: InvoiceId;
}

export type ApprovalError =
  HandleError<InvoiceError> | HandleError<NumberSeriesError> | NumberReservationLost;

/**
 * Approves a draft and gives it the next number of its series, gap-free.
 *
 * 1. The draft is checked first (`planApproval`), so a draft that cannot be approved consumes no number.
 * 2. The number is reserved in the series stream (optimistic concurrency; one reservation per invoice, so a
 *    retried approval finds and reuses its number).
 * 3. The invoice is approved under that number.
 * 4. If the approval is refused after all (the draft changed in between), the number is annulled with the
 *    reason: it stays in the register, never silently skipped. A crash between 2 and 3 leaves a reservation
 *    that a retry completes, or `recoverNumberReservations` completes or annuls.
 */
export const approveInvoice =
  (
    deps: ApprovalDeps,
    request: ApprovalRequest,
    context: CommandContext,
  ): TE.TaskEither<ApprovalError, HandleResult<InvoiceEvent, InvoiceState>> =>
  async () => {
    const { tenantId, invoiceId, now } = request;
    const stream = invoiceStream(tenantId, invoiceId);
    const history = await loadStream(deps.store, invoiceAggregate.events, stream)();
    if (E.isLeft(history)) return history;
    const state = foldLoaded(invoiceAggregate.decider, history.right);
    const earlier = history.right.filter((loaded) => loaded.metadata.commandId === context.commandId);
    if (earlier.length > 0) {
      return E.right({
        streamName: stream,
        events: earlier,
        state,
        version: history.right.length,
        replayed: true,
        position: earlier.at(-1)?.globalPosition,
      });
    }
    const tenantMatches = state._tag === 'NoInvoice' || state.tenantId === tenantId;
    const plan = planApproval(tenantMatches ? state : invoiceAggregate.decider.initialState, invoiceId);
    if (E.isLeft(plan)) return E.left({ _tag: 'CommandRejected', error: plan.left });

    const { series, year } = plan.right;
    const seriesStream = numberSeriesStream(tenantId, series, year);
    const reserved = await seriesReservationsFor(deps.seriesLocks, deps.store, deps.sha256).reserve(
      seriesStream,
      { type: 'ReserveNumber', data: { tenantId, series, year, now, invoiceId } },
      { ...context, commandId: `${context.commandId}:reserve-number` },
    );
    if (E.isLeft(reserved)) return reserved;
    const reservation = findReservation(reserved.right.state, invoiceId);
    if (reservation === undefined) {
      return E.left({ _tag: 'NumberReservationLost', invoiceId });
    }

    const approved = await handleCommand(
      deps.store,
      invoiceAggregate,
      stream,
      {
        type: 'ApproveInvoice',
        data: { invoiceId, tenantId, now, number: reservation.number, counter: reservation.counter },
      },
      context,
      hashOption(deps),
    )();
    if (E.isRight(approved) || approved.left._tag !== 'CommandRejected') return approved;

    // Refused after the number was taken: record why the number will never be used.
    const reason = nonEmpty(`approval of ${invoiceId} refused: ${approved.left.error._tag}`);
    const annulled = await handleCommand(
      deps.store,
      numberSeriesAggregate,
      seriesStream,
      { type: 'AnnulNumber', data: { tenantId, series, year, now, counter: reservation.counter, reason } },
      { ...context, commandId: `${context.commandId}:annul-number` },
      { maxAttempts: 50, ...hashOption(deps) },
    )();
    return E.isLeft(annulled) ? annulled : approved;
  };

const nonEmpty = (text: string): NonEmptyString =>
  NonEmptyString.is(text) ? text : bug('empty annulment reason');

const hashOption = (deps: ApprovalDeps): { readonly sha256?: Sha256Hex } =>
  deps.sha256 === undefined ? {} : { sha256: deps.sha256 };
