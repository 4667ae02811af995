import * as E from 'fp-ts/lib/Either.js';

import { NonEmptyString } from '../shared/text.js';
import type { Timestamp } from '../shared/timestamp.js';
import { bug } from '../shared/bug.js';
import type { RetryPolicy } from './backoff.js';
import { retryDelay } from './backoff.js';
import type {
  ProviderSyncCommand,
  RecordProviderSyncFailed,
  RecordProviderSyncSucceeded,
  RequestProviderSync,
} from './commands.js';
import type { ProviderSyncError } from './errors.js';
import {
  providerSyncAttemptMismatch,
  providerSyncExternalIdChanged,
  providerSyncNotIssued,
  providerSyncNotRetrying,
  providerSyncOperationUnknown,
  providerSyncOutOfOrder,
  providerSyncRetryNotDue,
  providerSyncScheduleOutOfRange,
  providerSyncStreamMismatch,
} from './errors.js';
import type { ProviderSyncEvent } from './events.js';
import { addMillis, isAtOrAfter } from './instant.js';
import type { ProviderSync, SyncOperationState } from './state.js';
import { findOperation, issueOperation } from './state.js';
import { isOncePerInvoice } from './values.js';

type Decision = E.Either<ProviderSyncError, ReadonlyArray<ProviderSyncEvent>>;

const nothingToDo: Decision = E.right([]);

/** The longest error text kept in an event: enough to diagnose, bounded against a provider echoing a page. */
const MAX_ERROR_LENGTH = 1000;

/** The error text as stored: trimmed, bounded, never empty. */
const safeError = (text: string): NonEmptyString => {
  const trimmed = text.trim();
  const clipped = trimmed.length > MAX_ERROR_LENGTH ? `${trimmed.slice(0, MAX_ERROR_LENGTH - 1)}…` : trimmed;
  const candidate = clipped === '' ? 'the provider call failed (no message)' : clipped;
  return NonEmptyString.is(candidate) ? candidate : bug('a bounded non-empty error text');
};

const checkStream = (
  command: ProviderSyncCommand,
  state: ProviderSync,
): E.Either<ProviderSyncError, void> => {
  const { tenantId, invoiceId, provider } = command.data;
  if (state._tag === 'NoProviderSync') return E.right(undefined);
  return state.tenantId === tenantId && state.invoiceId === invoiceId && state.provider === provider
    ? E.right(undefined)
    : E.left(providerSyncStreamMismatch(tenantId, invoiceId, provider));
};

const request = (command: RequestProviderSync, state: ProviderSync): Decision => {
  const { tenantId, invoiceId, provider, operation, sourceEventId, attempt, now } = command.data;
  const requested: Decision = E.right([
    {
      type: 'ProviderSyncRequested',
      data: { tenantId, invoiceId, provider, operation, sourceEventId, attempt, requestedAt: now },
    },
  ]);
  const existing = findOperation(state, operation, sourceEventId);
  if (attempt === 1) {
    if (existing !== undefined) return nothingToDo;
    // An invoice is issued, sent, voided or written off once at a provider, whichever event asked again.
    if (
      isOncePerInvoice(operation) &&
      state._tag === 'ProviderSyncState' &&
      state.operations.some((entry) => entry.operation === operation)
    )
      return nothingToDo;
    if (operation !== 'issue' && issueOperation(state) === undefined)
      return E.left(providerSyncNotIssued(invoiceId, provider, operation));
    return requested;
  }
  if (existing === undefined) return E.left(providerSyncOperationUnknown(operation, sourceEventId));
  // Asked for already (a redelivered command, or a racing process manager).
  if (existing.attempt >= attempt) return nothingToDo;
  if (existing.attempt !== attempt - 1)
    return E.left(providerSyncAttemptMismatch(operation, sourceEventId, existing.attempt + 1, attempt));
  if (existing.status !== 'retrying') return E.left(providerSyncNotRetrying(operation, sourceEventId));
  if (existing.nextAttemptAt !== undefined && !isAtOrAfter(now, existing.nextAttemptAt))
    return E.left(providerSyncRetryNotDue(operation, sourceEventId, existing.nextAttemptAt));
  return requested;
};

/**
 * The operation an outcome is for, if the outcome still has to be recorded: `undefined` means nothing to do
 * (this attempt already has an outcome, or a later attempt was asked for: the first outcome recorded wins).
 */
const awaitingOutcome = (
  command: RecordProviderSyncSucceeded | RecordProviderSyncFailed,
  state: ProviderSync,
): E.Either<ProviderSyncError, SyncOperationState | undefined> => {
  const { operation, sourceEventId, attempt } = command.data;
  const existing = findOperation(state, operation, sourceEventId);
  if (existing === undefined) return E.left(providerSyncOperationUnknown(operation, sourceEventId));
  if (attempt > existing.attempt)
    return E.left(providerSyncAttemptMismatch(operation, sourceEventId, existing.attempt, attempt));
  if (attempt < existing.attempt || existing.status !== 'pending') return E.right(undefined);
  return E.right(existing);
};

const succeed = (command: RecordProviderSyncSucceeded, state: ProviderSync): Decision => {
  const { invoiceId, provider, operation, sourceEventId, attempt, externalId, paymentLink, now } =
    command.data;
  const awaiting = awaitingOutcome(command, state);
  if (E.isLeft(awaiting)) return awaiting;
  if (awaiting.right === undefined || state._tag === 'NoProviderSync') return nothingToDo;
  if (operation !== 'issue' && issueOperation(state)?.status !== 'succeeded')
    return E.left(providerSyncOutOfOrder(operation, sourceEventId));
  if (state.externalId !== undefined && state.externalId !== externalId)
    return E.left(providerSyncExternalIdChanged(state.externalId, externalId));
  return E.right([
    {
      type: 'ProviderSyncSucceeded',
      data: {
        invoiceId,
        provider,
        operation,
        sourceEventId,
        attempt,
        externalId,
        ...(paymentLink === undefined ? {} : { paymentLink }),
        succeededAt: now,
      },
    },
  ]);
};

/** When the attempt after failed `command` is due, or null when there will be none. */
const nextAttemptAt = (
  policy: RetryPolicy,
  command: RecordProviderSyncFailed,
): E.Either<ProviderSyncError, Timestamp | null> => {
  const { attempt, retryable, jitter, retryAfterMs, now } = command.data;
  if (!retryable || attempt >= policy.maxAttempts) return E.right(null);
  const delay = retryDelay(policy, attempt, jitter, retryAfterMs);
  return E.mapLeft(() => providerSyncScheduleOutOfRange(now, delay))(addMillis(now, delay));
};

const fail =
  (policy: RetryPolicy) =>
  (command: RecordProviderSyncFailed, state: ProviderSync): Decision => {
    const { invoiceId, provider, operation, sourceEventId, attempt, retryable, error, now } = command.data;
    const awaiting = awaitingOutcome(command, state);
    if (E.isLeft(awaiting)) return awaiting;
    if (awaiting.right === undefined) return nothingToDo;
    const next = nextAttemptAt(policy, command);
    if (E.isLeft(next)) return next;
    return E.right([
      {
        type: 'ProviderSyncFailed',
        data: {
          invoiceId,
          provider,
          operation,
          sourceEventId,
          attempt,
          retryable,
          error: safeError(error),
          nextAttemptAt: next.right,
          failedAt: now,
        },
      },
    ]);
  };

/**
 * Decides a provider sync command under a retry policy.
 *
 * Invariants:
 * - An operation is keyed by its kind and source event; asking for it again is nothing to do, and `issue`,
 *   `send`, `void` and `markUncollectible` are asked for at most once per invoice and provider.
 * - Nothing but `issue` is asked for before the issue was, and nothing but `issue` succeeds before it did.
 * - Each attempt has at most one outcome: the first recorded wins, a repeat is nothing to do. Attempt n + 1 is
 *   asked for only after attempt n failed retryably, and not before its `nextAttemptAt`.
 * - A failure is retried after `retryDelay` (backoff with jitter, at least the provider's `Retry-After`) until
 *   `maxAttempts`; a refusal, or the last attempt's failure, is final (`nextAttemptAt` null).
 */
export const decideProviderSync =
  (policy: RetryPolicy) =>
  (command: ProviderSyncCommand, state: ProviderSync): Decision => {
    const stream = checkStream(command, state);
    if (E.isLeft(stream)) return stream;
    switch (command.type) {
      case 'RequestProviderSync':
        return request(command, state);
      case 'RecordProviderSyncSucceeded':
        return succeed(command, state);
      case 'RecordProviderSyncFailed':
        return fail(policy)(command, state);
    }
  };
