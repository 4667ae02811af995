import type { InvoiceId, TenantId } from '../shared/ids.js';
import type { Timestamp } from '../shared/timestamp.js';
import type { ProviderSyncEvent } from './events.js';
import { isAtOrAfter } from './instant.js';
import type {
  ExternalId,
  PaymentLink,
  SourceEventId,
  SyncAttempt,
  SyncOperation,
  SyncProvider,
} from './values.js';

/**
 * Where one operation stands: `pending` (an attempt is due and has no outcome yet), `retrying` (the last attempt
 * failed and the next one is due at `nextAttemptAt`), `succeeded`, or `failed` for good.
 */
export type SyncOperationStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

export interface SyncOperationState {
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
  /** The latest attempt asked for. */
  readonly attempt: SyncAttempt;
  readonly status: SyncOperationStatus;
  readonly requestedAt: Timestamp;
  /** When the status last changed. */
  readonly updatedAt: Timestamp;
  readonly nextAttemptAt?: Timestamp;
  readonly lastError?: string;
  /** Whether the last failure was of the retryable kind (whatever came of it). */
  readonly lastErrorRetryable?: boolean;
}

export interface NoProviderSync {
  readonly _tag: 'NoProviderSync';
}

/**
 * One invoice at one provider: the provider's id and payment page once issued there, and every operation asked
 * for, in the order asked (the order they are carried out in).
 */
export interface ProviderSyncState {
  readonly _tag: 'ProviderSyncState';
  readonly tenantId: TenantId;
  readonly invoiceId: InvoiceId;
  readonly provider: SyncProvider;
  readonly externalId?: ExternalId;
  readonly paymentLink?: PaymentLink;
  readonly operations: ReadonlyArray<SyncOperationState>;
}

export type ProviderSync = NoProviderSync | ProviderSyncState;

export const initialProviderSyncState: ProviderSync = { _tag: 'NoProviderSync' };

/** The operation a command or event addresses: an operation is keyed by its kind and its source event. */
export const findOperation = (
  state: ProviderSync,
  operation: SyncOperation,
  sourceEventId: string,
): SyncOperationState | undefined =>
  state._tag === 'NoProviderSync'
    ? undefined
    : state.operations.find(
        (entry) => entry.operation === operation && entry.sourceEventId === sourceEventId,
      );

/** The invoice's issue at this provider, if it was asked for. */
export const issueOperation = (state: ProviderSync): SyncOperationState | undefined =>
  state._tag === 'NoProviderSync' ? undefined : state.operations.find((entry) => entry.operation === 'issue');

const replaceOperation = (
  operations: ReadonlyArray<SyncOperationState>,
  updated: SyncOperationState,
): ReadonlyArray<SyncOperationState> =>
  operations.map((entry) =>
    entry.operation === updated.operation && entry.sourceEventId === updated.sourceEventId ? updated : entry,
  );

const withoutRetry = (entry: SyncOperationState): SyncOperationState => {
  const { nextAttemptAt: _dropped, ...rest } = entry;
  return rest;
};

/** Folds one provider sync event into the state. Pure. */
export const evolveProviderSync = (state: ProviderSync, event: ProviderSyncEvent): ProviderSync => {
  switch (event.type) {
    case 'ProviderSyncRequested': {
      const { tenantId, invoiceId, provider, operation, sourceEventId, attempt, requestedAt } = event.data;
      const base: ProviderSyncState =
        state._tag === 'ProviderSyncState'
          ? state
          : { _tag: 'ProviderSyncState', tenantId, invoiceId, provider, operations: [] };
      const existing = findOperation(base, operation, sourceEventId);
      if (existing === undefined) {
        return {
          ...base,
          operations: [
            ...base.operations,
            { operation, sourceEventId, attempt, status: 'pending', requestedAt, updatedAt: requestedAt },
          ],
        };
      }
      return {
        ...base,
        operations: replaceOperation(base.operations, {
          ...withoutRetry(existing),
          attempt,
          status: 'pending',
          updatedAt: requestedAt,
        }),
      };
    }
    case 'ProviderSyncSucceeded': {
      if (state._tag !== 'ProviderSyncState') return state;
      const { operation, sourceEventId, attempt, externalId, paymentLink, succeededAt } = event.data;
      const existing = findOperation(state, operation, sourceEventId);
      if (existing === undefined) return state;
      return {
        ...state,
        externalId,
        ...(paymentLink === undefined ? {} : { paymentLink }),
        operations: replaceOperation(state.operations, {
          ...withoutRetry(existing),
          attempt,
          status: 'succeeded',
          updatedAt: succeededAt,
        }),
      };
    }
    case 'ProviderSyncFailed': {
      if (state._tag !== 'ProviderSyncState') return state;
      const { operation, sourceEventId, attempt, retryable, error, nextAttemptAt, failedAt } = event.data;
      const existing = findOperation(state, operation, sourceEventId);
      if (existing === undefined) return state;
      return {
        ...state,
        operations: replaceOperation(state.operations, {
          ...withoutRetry(existing),
          attempt,
          status: nextAttemptAt === null ? 'failed' : 'retrying',
          updatedAt: failedAt,
          lastError: error,
          lastErrorRetryable: retryable,
          ...(nextAttemptAt === null ? {} : { nextAttemptAt }),
        }),
      };
    }
  }
};

/** What the process manager should do next for a stream (`nextSyncStep`). */
export type SyncStep =
  /** Nothing is waiting. */
  | { readonly _tag: 'Idle' }
  /** Call the provider: attempt `operation.attempt` of `operation` has no outcome yet. */
  | { readonly _tag: 'Attempt'; readonly operation: SyncOperationState }
  /** The retry of `operation` is due: ask for attempt `operation.attempt + 1`. */
  | { readonly _tag: 'Retry'; readonly operation: SyncOperationState }
  /** Nothing to do before `until` (the next retry of `operation`). */
  | { readonly _tag: 'Wait'; readonly operation: SyncOperationState; readonly until: Timestamp }
  /** `operation` can never be carried out (the issue at the provider failed for good): fail it for good. */
  | { readonly _tag: 'Blocked'; readonly operation: SyncOperationState; readonly reason: string };

/**
 * The next step for a stream at `now`. Operations are carried out one at a time, in the order they were asked
 * for: the first one not settled (succeeded or failed for good) decides, so a payment is never mirrored before
 * the invoice is issued and sent, and a void never overtakes a payment. Every operation but `issue` is blocked
 * for good once the issue has failed for good.
 */
export const nextSyncStep = (state: ProviderSync, now: Timestamp): SyncStep => {
  if (state._tag === 'NoProviderSync') return { _tag: 'Idle' };
  const issue = issueOperation(state);
  for (const operation of state.operations) {
    if (operation.status === 'succeeded' || operation.status === 'failed') continue;
    // The issue comes first (the decider refuses anything else before it), so a later operation is only
    // reached once the issue has settled.
    if (operation.operation !== 'issue' && (issue === undefined || issue.status === 'failed')) {
      return {
        _tag: 'Blocked',
        operation,
        reason:
          issue === undefined
            ? 'the invoice was never issued at this provider'
            : 'the invoice could not be issued at this provider',
      };
    }
    if (operation.status === 'pending') return { _tag: 'Attempt', operation };
    const until = operation.nextAttemptAt;
    if (until === undefined || isAtOrAfter(now, until)) return { _tag: 'Retry', operation };
    return { _tag: 'Wait', operation, until };
  }
  return { _tag: 'Idle' };
};

/** When the stream next needs the process manager: now for an attempt, a retry's due time, or never. */
export const nextSyncDueAt = (state: ProviderSync, now: Timestamp): Timestamp | undefined => {
  const step = nextSyncStep(state, now);
  switch (step._tag) {
    case 'Idle':
      return undefined;
    case 'Wait':
      return step.until;
    case 'Attempt':
    case 'Retry':
    case 'Blocked':
      return now;
  }
};
