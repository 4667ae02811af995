import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';

import type { HandleError, HandleResult } from '../commandHandling/handleCommand.js';
import { handleCommand } from '../commandHandling/handleCommand.js';
import type { Sha256Hex } from '../commandHandling/hashChain.js';
import { loadStream } from '../commandHandling/loadStream.js';
import type { CommandContext } from '../commandHandling/metadata.js';
import { creditNoteStream, invoiceStream, numberSeriesStream } from '../commandHandling/streams.js';
import type { IssueCreditNote } from '../creditNote/commands.js';
import { CreditNoteRequest } from '../creditNote/commands.js';
import { decideCreditNote } from '../creditNote/decide.js';
import type { CreditNoteError } from '../creditNote/errors.js';
import { invoiceNotCreditable } from '../creditNote/errors.js';
import type { CreditNoteEvent } from '../creditNote/events.js';
import type { CreditNoteState } from '../creditNote/state.js';
import { invoiceNotFound } from '../invoice/errors.js';
import type { InvoiceError } from '../invoice/errors.js';
import type { InvoiceEvent } from '../invoice/events.js';
import type { IssuedInvoice, InvoiceState } from '../invoice/state.js';
import { amountDue } from '../invoice/state.js';
import type { NumberSeriesError } from '../numbering/errors.js';
import type { Year } from '../numbering/format.js';
import { Counter, Series, formatInvoiceNumber, toYear } from '../numbering/format.js';
import { findReservation } from '../numbering/state.js';
import { bug } from '../shared/bug.js';
import { yearOfCivilDate } from '../shared/civilDate.js';
import { freezeAmount, thawDecimal } from '../shared/frozenAmounts.js';
import { CreditNoteId, InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp, civilDateOf } from '../shared/timestamp.js';
import { creditNoteAggregate, invoiceAggregate, numberSeriesAggregate } from './aggregates.js';
import type { ApprovalDeps } from './approveInvoice.js';
import { seriesReservationsFor } from './seriesReservations.js';
import { foldLoaded } from '../commandHandling/loadStream.js';

/** The series credit notes are numbered in (`CN-2026-000001`), per tenant and year like invoices. */
const CN = 'CN';
export const CREDIT_NOTE_SERIES: Series = Series.is(CN) ? CN : bug('CN is a series');

/**
 * What issuing a credit note needs from the edge. `creditNoteId` must be the same on a retry of the same
 * request (derive it from the command id), so the retry finds its number reservation and its credit note.
 */
export const CreditNoteIssueRequest = t.strict(
  {
    tenantId: TenantId,
    invoiceId: InvoiceId,
    creditNoteId: CreditNoteId,
    now: Timestamp,
    reason: NonEmptyString,
    content: CreditNoteRequest,
  },
  'CreditNoteIssueRequest',
);
export type CreditNoteIssueRequest = t.TypeOf<typeof CreditNoteIssueRequest>;

/** Issuing reserves numbers like approval does: the same store, series locks and hash function. */
export type CreditNoteDeps = ApprovalDeps;

/** The series lost the credit note's reservation between reserving and issuing (annulled by a recovery). */
export interface CreditNoteNumberReservationLost {
  readonly _tag: 'CreditNoteNumberReservationLost';
  readonly creditNoteId: CreditNoteId;
}

/**
 * The credit note was issued (it has its number and stays in the register) but the invoice refused to take it
 * off its amount due: the invoice changed between the check and the application (a payment settled it first).
 * The credit note is left issued and unapplied; a person decides (refund, or apply to another invoice).
 */
export interface CreditNoteNotApplied {
  readonly _tag: 'CreditNoteNotApplied';
  readonly creditNoteId: CreditNoteId;
  readonly error: InvoiceError;
}

export type CreditNoteIssueError =
  | HandleError<InvoiceError>
  | HandleError<CreditNoteError>
  | HandleError<NumberSeriesError>
  | CreditNoteNumberReservationLost
  | CreditNoteNotApplied;

export interface CreditNoteIssueResult {
  readonly creditNote: HandleResult<CreditNoteEvent, CreditNoteState>;
  readonly invoice: HandleResult<InvoiceEvent, InvoiceState>;
}

const rejected = <Error>(error: Error): E.Either<HandleError<Error>, never> =>
  E.left({ _tag: 'CommandRejected', error });

/** The credit note command for `invoice` under `number` (what the credit note decider needs of the invoice). */
const issueCommand = (
  request: CreditNoteIssueRequest,
  invoice: IssuedInvoice,
  number: IssueCreditNote['data']['number'],
): IssueCreditNote => ({
  type: 'IssueCreditNote',
  data: {
    creditNoteId: request.creditNoteId,
    tenantId: request.tenantId,
    now: request.now,
    number,
    currency: invoice.currency,
    invoice: {
      invoiceId: invoice.invoiceId,
      number: invoice.number,
      status: invoice.status,
      currency: invoice.currency,
      amountDue: thawDecimal(freezeAmount(amountDue(invoice), invoice.currency)),
      vatBreakdown: invoice.vatBreakdown,
    },
    reason: request.reason,
    content: request.content,
    rounding: invoice.content.rounding,
  },
});

/**
 * Issues a credit note against an issued invoice and takes it off the invoice's amount due.
 *
 * Order:
 * 1. The invoice is loaded (unknown, or another tenant's: `InvoiceNotFound`; a draft: `InvoiceNotCreditable`)
 *    and the credit note is decided once without a number, so a credit note that would be refused consumes none.
 * 2. A number is reserved in series `CN` for the credit note's issue year (the year of `now`), one reservation
 *    per credit note id, so a retry finds and reuses its number.
 * 3. `CreditNoteIssued` is appended to the credit note's own stream. If it is refused after all, the number is
 *    annulled with the reason: it stays in the register, never silently skipped.
 * 4. `ApplyCreditNote` takes the credit note's payable amount off the invoice.
 *
 * Crashes and retries: every step is idempotent under the same command id and credit note id (the series and
 * the credit note stream remember the command; the invoice remembers the credit note id), so re-running the
 * request completes whatever a crash interrupted — after 2, the same number is used; after 3, the application is
 * done. A crash between 2 and 3 with no retry leaves a reservation for recovery to settle; one between 3 and 4
 * with no retry leaves an issued, unapplied credit note (visible in the register and on the invoice's credit
 * notes). If the invoice changed between 1 and 4 so that it refuses the credit (`CreditExceedsAmountDue` after a
 * payment), the credit note stays issued and `CreditNoteNotApplied` says so.
 */
export const issueCreditNote =
  (
    deps: CreditNoteDeps,
    request: CreditNoteIssueRequest,
    context: CommandContext,
  ): TE.TaskEither<CreditNoteIssueError, CreditNoteIssueResult> =>
  async () => {
    const { tenantId, invoiceId, creditNoteId, now } = request;
    const stream = invoiceStream(tenantId, invoiceId);
    const history = await loadStream(deps.store, invoiceAggregate.events, stream)();
    if (E.isLeft(history)) return history;
    const invoice = foldLoaded(invoiceAggregate.decider, history.right);
    if (invoice._tag === 'NoInvoice' || invoice.tenantId !== tenantId)
      return rejected<InvoiceError>(invoiceNotFound(invoiceId));
    if (invoice._tag === 'DraftInvoice')
      return rejected<CreditNoteError>(invoiceNotCreditable(invoiceId, 'draft'));

    const cnStream = creditNoteStream(tenantId, creditNoteId);
    const year: Year = toYear(yearOfCivilDate(civilDateOf(now)));
    const seriesStream = numberSeriesStream(tenantId, CREDIT_NOTE_SERIES, year);
    const existing = await loadStream(deps.store, creditNoteAggregate.events, cnStream)();
    if (E.isLeft(existing)) return existing;
    const issuedBefore = existing.right.some((loaded) => loaded.metadata.commandId === context.commandId);

    let creditNote: HandleResult<CreditNoteEvent, CreditNoteState>;
    if (issuedBefore) {
      // A retry after step 3: replay it (nothing is appended) and go on to the application.
      const replayed = await handleCommand(
        deps.store,
        creditNoteAggregate,
        cnStream,
        issueCommand(request, invoice, placeholderNumber(year)),
        context,
        hashOption(deps),
      )();
      if (E.isLeft(replayed)) return replayed;
      creditNote = replayed.right;
    } else {
      const dryRun = decideCreditNote(
        issueCommand(request, invoice, placeholderNumber(year)),
        foldLoaded(creditNoteAggregate.decider, existing.right),
      );
      if (E.isLeft(dryRun)) return rejected<CreditNoteError>(dryRun.left);

      // The series stream holds invoice ids; a credit note id has the same shape and never collides with one
      // in the `CN` series, which only credit notes use.
      const reservedFor = InvoiceId.is(creditNoteId) ? creditNoteId : bug('credit note id is an identifier');
      const reserved = await seriesReservationsFor(deps.seriesLocks, deps.store, deps.sha256).reserve(
        seriesStream,
        {
          type: 'ReserveNumber',
          data: { tenantId, series: CREDIT_NOTE_SERIES, year, now, invoiceId: reservedFor },
        },
        { ...context, commandId: `${context.commandId}:reserve-number` },
      );
      if (E.isLeft(reserved)) return reserved;
      const reservation = findReservation(reserved.right.state, reservedFor);
      if (reservation === undefined) return E.left({ _tag: 'CreditNoteNumberReservationLost', creditNoteId });

      const issued = await handleCommand(
        deps.store,
        creditNoteAggregate,
        cnStream,
        issueCommand(request, invoice, reservation.number),
        context,
        hashOption(deps),
      )();
      if (E.isLeft(issued)) {
        if (issued.left._tag !== 'CommandRejected') return issued;
        const reason = nonEmpty(`credit note ${creditNoteId} refused: ${issued.left.error._tag}`);
        const annulled = await handleCommand(
          deps.store,
          numberSeriesAggregate,
          seriesStream,
          {
            type: 'AnnulNumber',
            data: {
              tenantId,
              series: CREDIT_NOTE_SERIES,
              year,
              now,
              counter: reservation.counter,
              reason,
            },
          },
          { ...context, commandId: `${context.commandId}:annul-number` },
          { maxAttempts: 50, ...hashOption(deps) },
        )();
        return E.isLeft(annulled) ? annulled : issued;
      }
      creditNote = issued.right;
    }

    // A credit note stream holds one event, its issue.
    const issuedEvent = creditNote.events[0];
    if (issuedEvent === undefined) return bug('a credit note command that succeeded issued nothing');
    const applied = await handleCommand(
      deps.store,
      invoiceAggregate,
      stream,
      {
        type: 'ApplyCreditNote',
        data: {
          invoiceId,
          tenantId,
          now,
          creditNoteId,
          amount: thawDecimal(issuedEvent.event.data.totals.payableAmount),
        },
      },
      { ...context, commandId: `${context.commandId}:apply`, causationId: issuedEvent.eventId },
      hashOption(deps),
    )();
    if (E.isLeft(applied)) {
      return applied.left._tag === 'CommandRejected'
        ? E.left({ _tag: 'CreditNoteNotApplied', creditNoteId, error: applied.left.error })
        : applied;
    }
    return E.right({ creditNote, invoice: applied.right });
  };

const ONE = 1;
const FIRST_COUNTER: Counter = Counter.is(ONE) ? ONE : bug('1 is a counter');

/** Stands in for the number in the dry run: the decider checks its shape only, never its counter. */
const placeholderNumber = (year: Year): IssueCreditNote['data']['number'] =>
  formatInvoiceNumber({
    series: CREDIT_NOTE_SERIES,
    year,
    counter: FIRST_COUNTER,
  });

const nonEmpty = (text: string): NonEmptyString =>
  NonEmptyString.is(text) ? text : bug('empty annulment reason');

const hashOption = (deps: CreditNoteDeps): { readonly sha256?: Sha256Hex } =>
  deps.sha256 === undefined ? {} : { sha256: deps.sha256 };
