import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';

import type {
  AsOf,
  CommandContext,
  CorruptEvent,
  CreditNoteIssueResult,
  EventStore,
  HandleResult,
  InvoiceCommand,
  InvoiceEvent,
  InvoiceState,
  KeyedMutex,
  LoadedEvent,
  RoundingMode,
  StateAsOf,
  StoreUnavailable,
} from '@accrue/domain';
import {
  CreateDraftInvoice,
  CreditNoteIssueRequest,
  InvoiceId,
  RecordPayment,
  ReviseDraftInvoice,
  SendInvoice,
  TenantId,
  Timestamp,
  VoidInvoice,
  WriteOffInvoice,
  approveInvoice,
  foldLoaded,
  handleCommand,
  invoiceAggregate,
  invoiceNotFound,
  invoiceStream,
  issueCreditNote,
  loadStream,
  stateAsOf,
} from '@accrue/domain';

import type { Clock, IdGenerator } from '../composition/clock.js';
import { nativeSha256 } from '../composition/sha256.js';
import { derivedId } from '../server/rest/idempotency.js';
import type {
  ApproveError,
  HistoryError,
  InvalidInput,
  InvoiceCommandError,
  IssueCreditNoteError,
} from './errors.js';
import { unwrapRejection } from './errors.js';
import type {
  CommandOptions,
  CreateDraftInput,
  IssueCreditNoteInput,
  ReadOptions,
  ReasonInput,
  RecordPaymentInput,
  ReviseDraftInput,
  SendInput,
} from './input.js';
import { decodeCommand, decodeInput, invalidInput, withRounding } from './input.js';

/** A command's outcome: the invoice it addressed, its state afterwards, and what was appended. */
export interface InvoiceCommandResult extends HandleResult<InvoiceEvent, InvoiceState> {
  readonly invoiceId: InvoiceId;
}

/** An issued credit note and the invoice it was applied to. */
export type CreditNoteResult = CreditNoteIssueResult;

/** One event of an invoice's stream as read back: the decoded event, its metadata and its place in the log. */
export type InvoiceHistoryEntry = LoadedEvent<InvoiceEvent>;

/** An invoice as it stood at a point of its history, with the events folded to get there. */
export type InvoiceAsOf = StateAsOf<InvoiceEvent, InvoiceState>;

/**
 * A point in an invoice's history: an instant (every event that occurred at or before it, ISO 8601 with an
 * offset) or a global log position (every event at or before it).
 */
export type AsOfPoint = { readonly at: string } | { readonly position: bigint };

/** The commands and the invoice's own history, as TaskEithers with tagged errors (never rejecting). */
export interface InvoiceOperationsFp {
  /** Starts a draft. Fails with `InvoiceAlreadyExists` if the id is taken (by another command id). */
  createDraft(
    input: CreateDraftInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Changes a draft's content; `InvoiceNotDraft` once approved (corrections are then credit notes). */
  reviseDraft(
    invoiceId: string,
    changes: ReviseDraftInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Approves a draft under the next gap-free number of its series and year; freezes content and totals. */
  approve(invoiceId: string, options?: CommandOptions): TE.TaskEither<ApproveError, InvoiceCommandResult>;
  /** Records that the invoice was sent on a channel. */
  send(
    invoiceId: string,
    input: SendInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Records a payment in the invoice's currency; `Overpayment` beyond the amount due. */
  recordPayment(
    invoiceId: string,
    input: RecordPaymentInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Voids an issued invoice nobody paid or credited; its number stays used. */
  void(
    invoiceId: string,
    input: ReasonInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Writes off what is still due as uncollectible. */
  writeOff(
    invoiceId: string,
    input: ReasonInput,
    options?: CommandOptions,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>;
  /** Issues a numbered credit note against an issued invoice and takes it off the invoice's amount due. */
  issueCreditNote(
    invoiceId: string,
    input: IssueCreditNoteInput,
    options?: CommandOptions,
  ): TE.TaskEither<IssueCreditNoteError, CreditNoteResult>;
  /** The invoice's events, oldest first (its audit trail, hash chain included); `InvoiceNotFound` if none. */
  history(
    invoiceId: string,
    options?: ReadOptions,
  ): TE.TaskEither<HistoryError, ReadonlyArray<InvoiceHistoryEntry>>;
  /** Time travel: the invoice folded from its own events up to an instant or a log position. */
  asOf(invoiceId: string, point: AsOfPoint, options?: ReadOptions): TE.TaskEither<HistoryError, InvoiceAsOf>;
}

/** What the operations run on; the top-level API and a transaction scope differ only here. */
export interface OperationDeps {
  readonly store: EventStore;
  readonly seriesLocks: KeyedMutex;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly tenantId: string;
  readonly actor: string;
  readonly rounding: RoundingMode | undefined;
  /** Runs before every operation (a transaction checks it is usable). */
  readonly before?: () => TE.TaskEither<StoreUnavailable, void>;
  /** Runs after an operation that appended events (a transaction updates its inline read models). */
  readonly afterAppend?: () => TE.TaskEither<StoreUnavailable | CorruptEvent, void>;
}

type Context = CommandContext & { readonly tenantId: TenantId; readonly now: Timestamp };

/**
 * The operations over `deps`, built on the same application layer as the HTTP server (`handleCommand`,
 * `approveInvoice`, `issueCreditNote`, `stateAsOf` from `@accrue/domain`): the embedding API adds input
 * decoding, defaults and error flattening, never rules of its own.
 */
export const createInvoiceOperations = (deps: OperationDeps): InvoiceOperationsFp => {
  const hashing = { sha256: nativeSha256 };
  const approval = { store: deps.store, seriesLocks: deps.seriesLocks, sha256: nativeSha256 };

  const tenantOf = (
    operation: string,
    options: ReadOptions | undefined,
  ): E.Either<InvalidInput, TenantId> => {
    const tenantId = options?.tenantId ?? deps.tenantId;
    return TenantId.is(tenantId)
      ? E.right(tenantId)
      : E.left(invalidInput(operation, [{ path: 'options.tenantId', message: 'expected an identifier' }]));
  };

  const contextOf = (
    operation: string,
    options: CommandOptions | undefined,
  ): E.Either<InvalidInput, Context> =>
    pipe(
      tenantOf(operation, options),
      E.flatMap((tenantId) => {
        const now = deps.clock.now();
        if (!Timestamp.is(now))
          return E.left(
            invalidInput(operation, [
              { path: 'clock.now()', message: `expected an ISO 8601 timestamp with an offset, got ${now}` },
            ]),
          );
        return E.right({
          tenantId,
          now,
          commandId: options?.commandId ?? `embed-${deps.ids.next()}`,
          actor: options?.actor ?? deps.actor,
          ...(options?.correlationId === undefined ? {} : { correlationId: options.correlationId }),
          ...(options?.causationId === undefined ? {} : { causationId: options.causationId }),
        });
      }),
    );

  /** A new entity's id: given, else derived from a caller's command id (so a retry addresses it again). */
  const newId = (given: string | undefined, options: CommandOptions | undefined, purpose: string): string =>
    given ?? (options?.commandId === undefined ? deps.ids.next() : derivedId(options.commandId, purpose));

  const invoiceIdOf = (operation: string, id: string): E.Either<InvalidInput, InvoiceId> =>
    InvoiceId.is(id)
      ? E.right(id)
      : E.left(invalidInput(operation, [{ path: 'invoiceId', message: 'expected an identifier' }]));

  /** Runs `work` after `before`, and `afterAppend` when it appended something. */
  const guarded = <Err, A>(
    work: () => TE.TaskEither<Err, A>,
    appended: (result: A) => boolean,
  ): TE.TaskEither<Err | StoreUnavailable | CorruptEvent, A> =>
    pipe(
      deps.before?.() ?? TE.right(undefined),
      TE.flatMap((): TE.TaskEither<Err | StoreUnavailable | CorruptEvent, A> => work()),
      TE.tap((result) =>
        deps.afterAppend !== undefined && appended(result) ? deps.afterAppend() : TE.right(undefined),
      ),
    );

  const commandAppended = (result: InvoiceCommandResult): boolean =>
    !result.replayed && result.events.length > 0;

  const runInvoiceCommand = (
    invoiceId: InvoiceId,
    command: InvoiceCommand,
    context: Context,
  ): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult> =>
    pipe(
      handleCommand(
        deps.store,
        invoiceAggregate,
        invoiceStream(context.tenantId, invoiceId),
        command,
        context,
        hashing,
      ),
      TE.mapError(unwrapRejection),
      TE.map((result) => ({ ...result, invoiceId })),
    );

  /** Decode the address and command, then run it. */
  const invoiceCommand =
    (
      operation: string,
      build: (invoiceId: InvoiceId, context: Context) => E.Either<InvalidInput, InvoiceCommand>,
    ) =>
    (rawInvoiceId: string, options: CommandOptions | undefined) =>
      guarded(
        () =>
          pipe(
            TE.fromEither(
              pipe(
                E.Do,
                E.apS('invoiceId', invoiceIdOf(operation, rawInvoiceId)),
                E.apS('context', contextOf(operation, options)),
                E.bind('command', ({ invoiceId, context }) => build(invoiceId, context)),
              ),
            ),
            TE.flatMap(
              ({ invoiceId, context, command }): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult> =>
                runInvoiceCommand(invoiceId, command, context),
            ),
          ),
        commandAppended,
      );

  const address = (invoiceId: InvoiceId, context: Context) => ({
    invoiceId,
    tenantId: context.tenantId,
    now: context.now,
  });

  const reasonCommand = (operation: string, type: 'VoidInvoice' | 'WriteOffInvoice') => {
    const codec = type === 'VoidInvoice' ? VoidInvoice : WriteOffInvoice;
    return (invoiceId: string, input: ReasonInput, options?: CommandOptions) =>
      invoiceCommand(operation, (id, context) =>
        decodeCommand<InvoiceCommand>(operation, codec, {
          type,
          data: { ...input, ...address(id, context) },
        }),
      )(invoiceId, options);
  };

  /** The invoice's stream for reads; `InvoiceNotFound` when empty (another tenant's reads as absent). */
  const readHistory = (
    operation: string,
    rawInvoiceId: string,
    options: ReadOptions | undefined,
  ): TE.TaskEither<HistoryError, { readonly invoiceId: InvoiceId; readonly stream: string }> =>
    pipe(
      deps.before?.() ?? TE.right(undefined),
      TE.flatMapEither(() =>
        pipe(
          E.Do,
          E.apS('invoiceId', invoiceIdOf(operation, rawInvoiceId)),
          E.apS('tenantId', tenantOf(operation, options)),
        ),
      ),
      TE.map(({ invoiceId, tenantId }) => ({ invoiceId, stream: invoiceStream(tenantId, invoiceId) })),
    );

  const asOfOf = (operation: string, point: AsOfPoint): E.Either<InvalidInput, AsOf> => {
    if ('position' in point) return E.right({ _tag: 'Position', position: point.position });
    return pipe(
      decodeInput(operation, Timestamp, point.at),
      E.mapLeft(() =>
        invalidInput(operation, [{ path: 'at', message: 'expected an ISO 8601 timestamp with an offset' }]),
      ),
      E.map((at): AsOf => {
        const instant = Date.parse(at);
        return { _tag: 'Time', includes: (occurredAt) => Date.parse(occurredAt) <= instant };
      }),
    );
  };

  return {
    createDraft: (input, options) => {
      const operation = 'createDraft';
      const invoiceId = newId(input.invoiceId, options, 'invoice');
      return invoiceCommand(operation, (id, context) =>
        decodeCommand<InvoiceCommand>(operation, CreateDraftInvoice, {
          type: 'CreateDraftInvoice',
          data: { ...withRounding(input, deps.rounding), ...address(id, context) },
        }),
      )(invoiceId, options);
    },

    reviseDraft: (invoiceId, changes, options) => {
      const operation = 'reviseDraft';
      return invoiceCommand(operation, (id, context) =>
        decodeCommand<InvoiceCommand>(operation, ReviseDraftInvoice, {
          type: 'ReviseDraftInvoice',
          data: { ...changes, ...address(id, context) },
        }),
      )(invoiceId, options);
    },

    approve: (rawInvoiceId, options) => {
      const operation = 'approve';
      return guarded(
        () =>
          pipe(
            TE.fromEither(
              pipe(
                E.Do,
                E.apS('invoiceId', invoiceIdOf(operation, rawInvoiceId)),
                E.apS('context', contextOf(operation, options)),
              ),
            ),
            TE.flatMap(({ invoiceId, context }): TE.TaskEither<ApproveError, InvoiceCommandResult> =>
              pipe(
                approveInvoice(
                  approval,
                  { tenantId: context.tenantId, invoiceId, now: context.now },
                  context,
                ),
                TE.mapError((error) =>
                  error._tag === 'NumberReservationLost' ? error : unwrapRejection<ApproveError>(error),
                ),
                TE.map((result) => ({ ...result, invoiceId })),
              ),
            ),
          ),
        commandAppended,
      );
    },

    send: (invoiceId, input, options) => {
      const operation = 'send';
      return invoiceCommand(operation, (id, context) =>
        decodeCommand<InvoiceCommand>(operation, SendInvoice, {
          type: 'SendInvoice',
          data: { ...input, ...address(id, context) },
        }),
      )(invoiceId, options);
    },

    recordPayment: (rawInvoiceId, input, options) => {
      const operation = 'recordPayment';
      return guarded(
        () =>
          pipe(
            TE.fromEither(
              pipe(
                E.Do,
                E.apS('invoiceId', invoiceIdOf(operation, rawInvoiceId)),
                E.apS('context', contextOf(operation, options)),
              ),
            ),
            // Payments are in the invoice's currency: read it from the invoice's own stream.
            TE.bindW('state', ({ invoiceId, context }) =>
              pipe(
                loadStream(deps.store, invoiceAggregate.events, invoiceStream(context.tenantId, invoiceId)),
                TE.map((history) => foldLoaded(invoiceAggregate.decider, history)),
              ),
            ),
            TE.flatMap(
              ({ invoiceId, context, state }): TE.TaskEither<InvoiceCommandError, InvoiceCommandResult> => {
                if (state._tag === 'NoInvoice' || state.tenantId !== context.tenantId)
                  return TE.left(invoiceNotFound(invoiceId));
                return pipe(
                  TE.fromEither(
                    decodeCommand<InvoiceCommand>(operation, RecordPayment, {
                      type: 'RecordPayment',
                      data: {
                        ...input,
                        ...address(invoiceId, context),
                        paymentId: newId(input.paymentId, options, 'payment'),
                        paidAt: input.paidAt ?? context.now,
                        currency: state.content.currency,
                      },
                    }),
                  ),
                  TE.flatMap((command) => runInvoiceCommand(invoiceId, command, context)),
                );
              },
            ),
          ),
        commandAppended,
      );
    },

    void: reasonCommand('void', 'VoidInvoice'),
    writeOff: reasonCommand('writeOff', 'WriteOffInvoice'),

    issueCreditNote: (rawInvoiceId, input, options) => {
      const operation = 'issueCreditNote';
      return guarded(
        () =>
          pipe(
            TE.fromEither(
              pipe(
                E.Do,
                E.apS('invoiceId', invoiceIdOf(operation, rawInvoiceId)),
                E.apS('context', contextOf(operation, options)),
                E.bind('request', ({ invoiceId, context }) =>
                  decodeInput(operation, CreditNoteIssueRequest, {
                    reason: input.reason,
                    content: input.content,
                    tenantId: context.tenantId,
                    invoiceId,
                    now: context.now,
                    creditNoteId: newId(input.creditNoteId, options, 'credit-note'),
                  }),
                ),
              ),
            ),
            TE.flatMap(({ context, request }): TE.TaskEither<IssueCreditNoteError, CreditNoteResult> =>
              pipe(
                issueCreditNote(approval, request, context),
                TE.mapError((error) =>
                  error._tag === 'CommandRejected' ? unwrapRejection<IssueCreditNoteError>(error) : error,
                ),
              ),
            ),
          ),
        (result) => !result.invoice.replayed || !result.creditNote.replayed,
      );
    },

    history: (invoiceId, options) =>
      pipe(
        readHistory('history', invoiceId, options),
        TE.flatMap(({ invoiceId: id, stream }) =>
          pipe(
            loadStream(deps.store, invoiceAggregate.events, stream),
            TE.flatMap((events) => (events.length === 0 ? TE.left(invoiceNotFound(id)) : TE.right(events))),
          ),
        ),
      ),

    asOf: (invoiceId, point, options) =>
      pipe(
        readHistory('asOf', invoiceId, options),
        TE.bindTo('address'),
        TE.bindW('asOf', () => TE.fromEither(asOfOf('asOf', point))),
        TE.flatMap(({ address: { invoiceId: id, stream }, asOf }) =>
          pipe(
            stateAsOf(deps.store, invoiceAggregate, stream, asOf),
            TE.flatMap((folded): TE.TaskEither<HistoryError, InvoiceAsOf> => {
              if (folded.events.length > 0) return TE.right(folded);
              // Nothing folded: a point before the invoice existed, or no invoice at all.
              return pipe(
                deps.store.readStream(stream, { maxCount: 1 }),
                TE.flatMap((first) => (first.length === 0 ? TE.left(invoiceNotFound(id)) : TE.right(folded))),
              );
            }),
          ),
        ),
      ),
  };
};
