import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  ProviderError,
  ProviderInvoice,
  ProviderPayment,
} from '@accrue/adapters/providers';
import { idempotencyKey, toProviderInvoice } from '@accrue/adapters/providers';
import type {
  CommandContext,
  EventStore,
  HandleError,
  InvoiceEvent,
  LoadedEvent,
  ProviderSync,
  ProviderSyncAggregate,
  ProviderSyncCommand,
  ProviderSyncError,
  Sha256Hex,
  SyncOperationState,
  Timestamp,
} from '@accrue/domain';
import {
  DelayMs,
  ExternalId,
  InvoiceId,
  Jitter,
  SyncAttempt,
  PaymentLink,
  StoreFailure,
  SyncProvider,
  foldLoaded,
  frozenMinorUnits,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  loadStream,
  nextSyncStep,
  providerSyncStream,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { SyncClock } from './clock.js';
import { timestampOf } from './clock.js';
import type { ProviderConnection, ProviderConnections } from './connections.js';
import { SYNC_ACTOR, syncCommandId, syncIdempotencyKey } from './ids.js';
import type { SyncLog } from './log.js';
import { describeFailure } from './log.js';
import type { StreamKey } from './tables.js';
import { streamKeyId } from './tables.js';

/**
 * The acting half of the process manager: for each sync stream with work, carries out its next step
 * (`nextSyncStep`) — calls the provider for a pending attempt and records the outcome, asks for a retry when
 * one falls due, fails for good what can never be done — until the stream is idle or waits for a retry, which it
 * schedules on the injected clock.
 *
 * Exactly one effect at the provider, for at-least-once calls: every attempt of an operation sends the same
 * idempotency key (`syncIdempotencyKey`: its source event and operation), so a call repeated after a timeout, a
 * crash or a redelivery is recognised by the provider (its own key, or the adapter's look-up before create).
 *
 * One stream is worked on by one task at a time (in this process); streams run concurrently up to a bound.
 */
export interface SyncExecutor {
  /** Work on the stream now (new work was asked for). */
  readonly kick: (key: StreamKey) => void;
  /** Work on the stream at `atMillis` (sync clock). */
  readonly scheduleAt: (key: StreamKey, atMillis: number) => void;
  /** Resolves once nothing is running and nothing is due at the clock's current time. */
  readonly idle: () => Promise<void>;
  /** Stops starting work and waits for what runs; scheduled work is dropped (the tables keep it). */
  readonly stop: () => Promise<void>;
  /** When each stream with scheduled work is next due (sync clock), for tests and diagnostics. */
  readonly scheduled: () => ReadonlyArray<{ readonly key: StreamKey; readonly atMillis: number }>;
}

export interface SyncExecutorDeps {
  readonly store: EventStore;
  readonly connections: ProviderConnections;
  readonly aggregate: ProviderSyncAggregate;
  readonly clock: SyncClock;
  /** A draw in [0, 1) for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  readonly log: SyncLog;
  readonly sha256?: Sha256Hex;
  /** Called when an issue succeeded, so webhooks find the invoice without waiting for the reactor. */
  readonly onIssued?: (key: StreamKey, externalId: string) => Promise<void>;
  /** Streams worked on at once (default 4). */
  readonly concurrency?: number;
  /** Wait after a store failure or an unexpected refusal before looking at the stream again (default 5 s). */
  readonly recheckDelayMs?: number;
}

/** The outcome of one provider call, as the sync records it. */
type CallOutcome =
  | { readonly _tag: 'Succeeded'; readonly ref: ExternalInvoiceRef }
  | {
      readonly _tag: 'Failed';
      readonly retryable: boolean;
      readonly error: string;
      readonly retryAfterMs?: number;
    };

const failed = (retryable: boolean, error: string, retryAfterMs?: number): CallOutcome => ({
  _tag: 'Failed',
  retryable,
  error,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

const describeProviderError = (error: ProviderError): string =>
  error._tag === 'ProviderRejected' && error.code !== undefined
    ? `${error.message} (${error.code})`
    : error.message;

export const createSyncExecutor = (deps: SyncExecutorDeps): SyncExecutor => {
  const concurrency = deps.concurrency ?? 4;
  const recheckDelayMs = deps.recheckDelayMs ?? 5000;
  const random = deps.random ?? Math.random;
  const hashing = deps.sha256 === undefined ? {} : { sha256: deps.sha256 };
  const due = new Map<string, { key: StreamKey; at: number }>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const idleWaiters = new Set<() => void>();
  let cancelTimer: (() => void) | undefined;
  let timerAt: number | undefined;
  let stopped = false;

  const isIdleNow = (): boolean => {
    if (running.size > 0) return false;
    const now = deps.clock.now();
    for (const entry of due.values()) if (entry.at <= now) return false;
    return true;
  };

  const notifyIdle = (): void => {
    if (!isIdleNow()) return;
    for (const wake of [...idleWaiters]) wake();
  };

  const armTimer = (): void => {
    let earliest: number | undefined;
    // At full capacity no timer is needed (a finishing task pumps again); a timer for work already due would
    // fire at once, find no capacity and re-arm: a busy loop.
    if (running.size < concurrency)
      for (const [id, entry] of due)
        if (!running.has(id) && (earliest === undefined || entry.at < earliest)) earliest = entry.at;
    if (earliest === timerAt) return;
    cancelTimer?.();
    cancelTimer = undefined;
    timerAt = earliest;
    if (earliest === undefined || stopped) return;
    cancelTimer = deps.clock.setTimer(Math.max(0, earliest - deps.clock.now()), () => {
      timerAt = undefined;
      cancelTimer = undefined;
      pump();
    });
  };

  const pump = (): void => {
    if (stopped) return;
    const now = deps.clock.now();
    for (const [id, entry] of due) {
      if (running.size >= concurrency) break;
      if (entry.at > now || running.has(id)) continue;
      due.delete(id);
      const task = work(entry.key)
        .catch((error: unknown) => {
          deps.log.error(
            { ...entry.key, err: describeFailure(error) },
            'provider sync: working on a stream failed',
          );
          schedule(entry.key, deps.clock.now() + recheckDelayMs);
        })
        .finally(() => {
          running.delete(id);
          if (again.delete(id)) schedule(entry.key, deps.clock.now());
          pump();
        });
      running.set(id, task);
    }
    armTimer();
    notifyIdle();
  };

  const schedule = (key: StreamKey, at: number): void => {
    const id = streamKeyId(key);
    if (running.has(id) && at <= deps.clock.now()) {
      again.add(id);
      return;
    }
    const current = due.get(id);
    if (current === undefined || at < current.at) due.set(id, { key, at });
  };

  const record = async (
    key: StreamKey,
    command: ProviderSyncCommand,
    context: CommandContext,
  ): Promise<E.Either<HandleError<ProviderSyncError>, ProviderSync>> => {
    const outcome = await handleCommand(
      deps.store,
      deps.aggregate,
      providerSyncStream(key.tenantId, key.invoiceId, key.provider),
      command,
      context,
      hashing,
    )();
    return E.map((result: { readonly state: ProviderSync }) => result.state)(outcome);
  };

  const contextFor = (
    key: StreamKey,
    operation: SyncOperationState,
    attempt: number,
    kind: 'request' | 'succeeded' | 'failed',
    now: Timestamp,
  ): CommandContext => ({
    tenantId: key.tenantId,
    commandId: syncCommandId(
      providerSyncStream(key.tenantId, key.invoiceId, key.provider),
      operation.operation,
      operation.sourceEventId,
      attempt,
      kind,
    ),
    causationId: operation.sourceEventId,
    actor: SYNC_ACTOR,
    now,
  });

  const loadInvoice = async (key: StreamKey): Promise<ReadonlyArray<LoadedEvent<InvoiceEvent>>> => {
    const history = await loadStream(
      deps.store,
      invoiceAggregate.events,
      invoiceStream(key.tenantId, key.invoiceId),
    )();
    if (E.isLeft(history)) throw new StoreFailure(history.left);
    return history.right;
  };

  /** Calls the provider for one attempt. Never throws for the provider's sake: a thrown adapter is retryable. */
  const call = async (
    connection: ProviderConnection,
    key: StreamKey,
    state: ProviderSync,
    operation: SyncOperationState,
  ): Promise<CallOutcome> => {
    const history = await loadInvoice(key);
    const invoice = foldLoaded(invoiceAggregate.decider, history);
    if (invoice._tag !== 'IssuedInvoice' || invoice.tenantId !== key.tenantId)
      return failed(false, 'the invoice is not issued in Accrue');
    const flattened = toProviderInvoice(invoice);
    if (E.isLeft(flattened))
      return failed(false, `the invoice cannot be flattened for providers: ${flattened.left._tag}`);
    const providerInvoice: ProviderInvoice = flattened.right;
    const adapter: InvoiceProvider = connection.adapter;
    const request = {
      idempotencyKey: idempotencyKey(syncIdempotencyKey(operation.sourceEventId, operation.operation)),
    };
    const ref: ExternalInvoiceRef | undefined =
      state._tag === 'ProviderSyncState' && state.externalId !== undefined
        ? {
            externalId: state.externalId,
            ...(state.paymentLink === undefined ? {} : { paymentLink: state.paymentLink }),
          }
        : undefined;
    const sourceIndex = history.findIndex((loaded) => loaded.eventId === operation.sourceEventId);
    const source = history[sourceIndex];
    const unsupported = failed(false, `${connection.provider} does not support ${operation.operation}`);
    const done = (result: E.Either<ProviderError, unknown>, reference: ExternalInvoiceRef): CallOutcome =>
      E.isRight(result)
        ? { _tag: 'Succeeded', ref: reference }
        : failed(
            result.left._tag === 'ProviderUnavailable',
            connection.redact(describeProviderError(result.left)),
            result.left._tag === 'ProviderUnavailable' ? result.left.retryAfterMs : undefined,
          );
    try {
      if (operation.operation === 'issue') {
        const issued = await adapter.issue({ ...request, input: providerInvoice })();
        if (E.isRight(issued)) return { _tag: 'Succeeded', ref: issued.right };
        return done(issued, { externalId: '' });
      }
      if (ref === undefined) return failed(false, 'the invoice has no id at the provider');
      switch (operation.operation) {
        case 'send':
          if (adapter.send === undefined) return unsupported;
          return done(await adapter.send({ ...request, input: { ref, invoice: providerInvoice } })(), ref);
        case 'recordPayment': {
          if (adapter.recordPayment === undefined) return unsupported;
          if (source?.event.type !== 'PaymentRecorded')
            return failed(false, 'the payment event was not found');
          const paid = source.event.data;
          // The payment settles the invoice when the same command also recorded InvoicePaid.
          const next = history[sourceIndex + 1];
          const payment: ProviderPayment = {
            paymentId: paid.paymentId,
            amount: frozenMinorUnits(paid.amount, paid.currency),
            currency: paid.currency,
            paidAt: paid.paidAt,
            settlesInvoice:
              next?.event.type === 'InvoicePaid' && next.metadata.commandId === source.metadata.commandId,
            ...(paid.reference === undefined ? {} : { reference: paid.reference }),
          };
          return done(
            await adapter.recordPayment({ ...request, input: { ref, invoice: providerInvoice, payment } })(),
            ref,
          );
        }
        case 'void': {
          if (adapter.void === undefined) return unsupported;
          const reason = source?.event.type === 'InvoiceVoided' ? source.event.data.reason : 'Voided';
          return done(
            await adapter.void({ ...request, input: { ref, invoice: providerInvoice, reason } })(),
            ref,
          );
        }
        case 'markUncollectible':
          if (adapter.markUncollectible === undefined) return unsupported;
          return done(
            await adapter.markUncollectible({ ...request, input: { ref, invoice: providerInvoice } })(),
            ref,
          );
      }
    } catch (error) {
      // A bug in an adapter: retried like an outage, logged for people (name and message only).
      deps.log.error(
        { ...key, operation: operation.operation, err: connection.redact(describeFailure(error)) },
        'provider sync: the adapter threw',
      );
      return failed(true, `the ${connection.provider} adapter failed unexpectedly`);
    }
  };

  const loadState = async (key: StreamKey): Promise<ProviderSync> => {
    const history = await loadStream(
      deps.store,
      deps.aggregate.events,
      providerSyncStream(key.tenantId, key.invoiceId, key.provider),
    )();
    if (E.isLeft(history)) throw new StoreFailure(history.left);
    return foldLoaded(deps.aggregate.decider, history.right);
  };

  /** A refused or failed record: a race or a bug, never the provider's answer. Look again later. */
  const recordFailed = (key: StreamKey, error: HandleError<ProviderSyncError>, what: string): void => {
    deps.log.warn(
      { ...key, reason: error._tag === 'CommandRejected' ? error.error._tag : error._tag },
      `provider sync: ${what} not recorded`,
    );
    schedule(key, deps.clock.now() + recheckDelayMs);
  };

  const work = async (key: StreamKey): Promise<void> => {
    const connection = deps.connections.find(key.tenantId, key.provider);
    if (connection === undefined) return; // the connection was removed from the configuration
    const provider = SyncProvider.is(key.provider) ? key.provider : undefined;
    const invoiceId = InvoiceId.is(key.invoiceId) ? key.invoiceId : undefined;
    if (provider === undefined || invoiceId === undefined) return;
    let state = await loadState(key);
    for (;;) {
      if (stopped) return;
      const nowMillis = deps.clock.now();
      const now = timestampOf(nowMillis);
      const step = nextSyncStep(state, now);
      if (step._tag === 'Idle') return;
      if (step._tag === 'Wait') {
        schedule(key, Date.parse(step.until));
        return;
      }
      const { operation } = step;
      const address = {
        tenantId: connection.tenantId,
        invoiceId,
        provider,
        operation: operation.operation,
        sourceEventId: operation.sourceEventId,
        now,
      };
      let outcome: E.Either<HandleError<ProviderSyncError>, ProviderSync>;
      if (step._tag === 'Retry') {
        const attempt = operation.attempt + 1;
        outcome = await record(
          key,
          { type: 'RequestProviderSync', data: { ...address, attempt: attemptOf(attempt) } },
          contextFor(key, operation, attempt, 'request', now),
        );
      } else if (step._tag === 'Blocked') {
        outcome = await record(
          key,
          {
            type: 'RecordProviderSyncFailed',
            data: {
              ...address,
              attempt: operation.attempt,
              retryable: false,
              error: step.reason,
              jitter: jitterOf(0),
            },
          },
          contextFor(key, operation, operation.attempt, 'failed', now),
        );
      } else {
        const result = await call(connection, key, state, operation);
        const recordedAt = timestampOf(deps.clock.now());
        const at = { ...address, now: recordedAt };
        if (result._tag === 'Succeeded') {
          const externalId = ExternalId.is(result.ref.externalId) ? result.ref.externalId : undefined;
          const paymentLink =
            result.ref.paymentLink !== undefined && PaymentLink.is(result.ref.paymentLink)
              ? result.ref.paymentLink
              : undefined;
          if (externalId === undefined) {
            outcome = await record(
              key,
              {
                type: 'RecordProviderSyncFailed',
                data: {
                  ...at,
                  attempt: operation.attempt,
                  retryable: false,
                  error: `${connection.provider} answered without a usable invoice id`,
                  jitter: jitterOf(0),
                },
              },
              contextFor(key, operation, operation.attempt, 'failed', recordedAt),
            );
          } else {
            outcome = await record(
              key,
              {
                type: 'RecordProviderSyncSucceeded',
                data: {
                  ...at,
                  attempt: operation.attempt,
                  externalId,
                  ...(paymentLink === undefined ? {} : { paymentLink }),
                },
              },
              contextFor(key, operation, operation.attempt, 'succeeded', recordedAt),
            );
            if (E.isRight(outcome) && operation.operation === 'issue')
              await deps.onIssued?.(key, externalId).catch((error: unknown) => {
                deps.log.warn(
                  { ...key, err: describeFailure(error) },
                  'provider sync: link not saved (the reactor will)',
                );
              });
          }
        } else {
          outcome = await record(
            key,
            {
              type: 'RecordProviderSyncFailed',
              data: {
                ...at,
                attempt: operation.attempt,
                retryable: result.retryable,
                error: result.error,
                jitter: jitterOf(random()),
                ...retryAfter(result.retryAfterMs),
              },
            },
            contextFor(key, operation, operation.attempt, 'failed', recordedAt),
          );
          deps.log.warn(
            {
              ...key,
              operation: operation.operation,
              attempt: operation.attempt,
              retryable: result.retryable,
              error: result.error,
            },
            'provider sync: provider call failed',
          );
        }
      }
      if (E.isLeft(outcome)) {
        recordFailed(key, outcome.left, step._tag === 'Retry' ? 'retry' : 'outcome');
        return;
      }
      state = outcome.right;
    }
  };

  return {
    kick: (key) => {
      schedule(key, deps.clock.now());
      pump();
    },
    scheduleAt: (key, atMillis) => {
      schedule(key, atMillis);
      pump();
    },
    idle: () =>
      new Promise((resolve) => {
        if (isIdleNow()) {
          resolve();
          return;
        }
        const wake = (): void => {
          idleWaiters.delete(wake);
          resolve();
        };
        idleWaiters.add(wake);
      }),
    stop: async () => {
      stopped = true;
      cancelTimer?.();
      await Promise.allSettled([...running.values()]);
      for (const wake of [...idleWaiters]) wake();
    },
    scheduled: () => [...due.values()].map((entry) => ({ key: entry.key, atMillis: entry.at })),
  };
};

const attemptOf = (n: number): SyncAttempt =>
  SyncAttempt.is(n)
    ? n
    : (() => {
        throw new Error(`provider sync: attempt ${String(n)} out of range`);
      })();

const NO_JITTER: Jitter = ((): Jitter => {
  const zero: unknown = 0;
  if (Jitter.is(zero)) return zero;
  throw new Error('provider sync: 0 is a jitter draw');
})();

/** A random draw as the decider takes it; a source that strays outside [0, 1) counts as no jitter. */
const jitterOf = (draw: number): Jitter => (Jitter.is(draw) ? draw : NO_JITTER);

const retryAfter = (ms: number | undefined): { readonly retryAfterMs?: DelayMs } => {
  if (ms === undefined) return {};
  const whole = Math.max(0, Math.round(ms));
  return DelayMs.is(whole) ? { retryAfterMs: whole } : {};
};
