import type {
  CorruptEvent,
  CreditNoteError,
  CreditNoteNotApplied,
  CreditNoteNumberReservationLost,
  HandleError,
  InvoiceError,
  InvoiceNotFound,
  NumberReservationLost,
  NumberSeriesError,
  StoreUnavailable,
  VersionConflict,
} from '@accrue/domain';
import type { ListInvoicesError, SubscriptionHandlerFailed } from '@accrue/projections';

/** One problem with an operation's input: where (a dotted path into the input, `lines[0].quantity`) and what. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The input of an operation did not decode (a missing field, an amount that is not a decimal string, an id
 * with characters ids may not have…). Nothing was read or written.
 */
export interface InvalidInput {
  readonly _tag: 'InvalidInput';
  /** The operation refused, e.g. `createDraft`. */
  readonly operation: string;
  readonly issues: ReadonlyArray<InputIssue>;
}

/** Failures of the storage itself: a lost race that retries did not settle, an unreachable database, bad data. */
export type StoreError = VersionConflict | StoreUnavailable | CorruptEvent;

/** What an invoice command (create, revise, send, record payment, void, write off) can fail with. */
export type InvoiceCommandError = InvalidInput | InvoiceError | StoreError;

/** What approving can fail with: an invoice rule, the number series, or the storage. */
export type ApproveError =
  InvalidInput | InvoiceError | NumberSeriesError | NumberReservationLost | StoreError;

/** What issuing a credit note can fail with. */
export type IssueCreditNoteError =
  | InvalidInput
  | InvoiceError
  | CreditNoteError
  | NumberSeriesError
  | CreditNoteNumberReservationLost
  | CreditNoteNotApplied
  | StoreError;

/** What reading an invoice's own stream (history, as-of) can fail with. */
export type HistoryError = InvalidInput | InvoiceNotFound | StoreUnavailable | CorruptEvent;

/** What a read-model query can fail with (the read-model database failing is `StoreUnavailable`). */
export type QueryError = InvalidInput | StoreUnavailable | CorruptEvent;

/** What getting one invoice from the read models can fail with. */
export type GetInvoiceError = QueryError | InvoiceNotFound;

/** What listing invoices can fail with: a cursor this list did not make, or `overdue` without a date. */
export type ListInvoicesFailure = QueryError | ListInvoicesError;

/** Why a subscription stopped: its handler failed, or the store did. */
export type SubscriptionFailure = SubscriptionHandlerFailed | StoreUnavailable | CorruptEvent;

/** Every tagged error the embedding API can produce. Each has a distinct `_tag`. */
export type AccrueFailure =
  | InvoiceCommandError
  | ApproveError
  | IssueCreditNoteError
  | HistoryError
  | GetInvoiceError
  | ListInvoicesFailure
  | SubscriptionFailure;

/**
 * How the promise API rejects: an `Error` (with a stack, for loggers) carrying the very tagged value the
 * TaskEither API returns as its left, in `error`, and its `_tag` on itself for a quick `switch`.
 *
 * ```ts
 * try { await accrue.recordPayment(id, { amount: '10.00' }) }
 * catch (e) { if (isAccrueError(e) && e.error._tag === 'Overpayment') console.log(e.error.amountDue) }
 * ```
 */
export class AccrueError<F extends { readonly _tag: string } = AccrueFailure> extends Error {
  override readonly name = 'AccrueError';
  /** The tag of `error`, repeated here for convenience. */
  readonly _tag: F['_tag'];
  /** The tagged error, identical to the left of the TaskEither API. */
  readonly error: F;

  constructor(error: F) {
    super(describeFailure(error));
    this._tag = error._tag;
    this.error = error;
  }
}

/** True for a rejection of the promise API (an `AccrueError`, also across copies of this module). */
export const isAccrueError = (value: unknown): value is AccrueError =>
  value instanceof AccrueError ||
  (value instanceof Error &&
    value.name === 'AccrueError' &&
    'error' in value &&
    typeof value.error === 'object' &&
    value.error !== null &&
    '_tag' in value.error);

const summarise = (value: unknown): string => {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === 'bigint' ? inner.toString() : inner,
    );
  } catch {
    return String(value);
  }
};

/** A one-line description of a tagged error for messages and logs: its tag and its fields (causes by message). */
export const describeFailure = (error: { readonly _tag: string }): string => {
  const fields = Object.entries<unknown>(error)
    .filter(([key, value]) => key !== '_tag' && value !== undefined)
    .map(([key, value]) => `${key}=${summarise(value)}`);
  return fields.length === 0 ? error._tag : `${error._tag}: ${fields.join(', ')}`;
};

/** The domain's `CommandRejected` wrapper removed: embedders match on the rule's own tag. */
export const unwrapRejection = <Rule>(error: HandleError<Rule>): Rule | StoreError =>
  error._tag === 'CommandRejected' ? error.error : error;
