import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type {
  CorruptEvent,
  EventStore,
  RecordedEvent,
  StoreUnavailable,
  VersionConflict,
} from '@accrue/domain';
import { StoreFailure, storeUnavailable } from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';
import { toProjectedEvent } from '../model/projectedEvent.js';
import type { SubscriptionCheckpoints } from './checkpoints.js';
import { isSubscriptionName } from './checkpoints.js';

/**
 * Where a subscription starts when it has no checkpoint yet: the beginning of the log, its current end (only
 * events committed from now on), or after a given global position. With a checkpoint it always resumes after
 * the checkpoint, whatever `from` says.
 */
export type SubscriptionStart = 'start' | 'end' | bigint;

/** The handler failed (a left, or a rejection): the subscription stopped before checkpointing that event. */
export interface SubscriptionHandlerFailed {
  readonly _tag: 'SubscriptionHandlerFailed';
  readonly name: string;
  readonly eventId: string;
  readonly globalPosition: bigint;
  /** The handler's left, or what its task rejected with. */
  readonly cause: unknown;
}

export type SubscriptionError = SubscriptionHandlerFailed | StoreUnavailable | CorruptEvent;

export interface SubscriptionRunOptions {
  /** The durable name: its checkpoint is kept under it, so a restart with the same name resumes. */
  readonly name: string;
  readonly events: EventStore;
  readonly checkpoints: SubscriptionCheckpoints;
  readonly from?: SubscriptionStart;
  /** Called once per committed Accrue event, in global order; the next one waits until its task ends. */
  readonly handler: (event: ProjectedEvent) => TE.TaskEither<unknown, unknown>;
}

/** A running subscription. */
export interface RunningSubscription {
  /**
   * Stops delivering: an event being handled is finished and checkpointed first. Resolves once the loop has
   * ended (with whatever `ended` says).
   */
  stop(): Promise<void>;
  /** How the subscription ended: right after `stop`, left with the failure that stopped it. Never rejects. */
  readonly ended: Promise<E.Either<SubscriptionError, void>>;
  /** The last checkpointed position (undefined before the first). */
  position(): bigint | undefined;
}

const HEAD_SCAN = 10_000;

const logHead = async (
  events: EventStore,
): Promise<E.Either<StoreUnavailable | CorruptEvent, bigint | undefined>> => {
  let after: bigint | undefined;
  for (;;) {
    const batch = await events.readAll({ ...(after === undefined ? {} : { after }), maxCount: HEAD_SCAN })();
    if (E.isLeft(batch)) return batch;
    if (batch.right.events.length < HEAD_SCAN) return E.right(batch.right.lastPosition ?? after);
    after = batch.right.lastPosition;
  }
};

const failureOf = (error: unknown, operation: string): StoreUnavailable | CorruptEvent => {
  if (error instanceof StoreFailure) {
    const failure: StoreUnavailable | CorruptEvent | VersionConflict = error.failure;
    return failure._tag === 'VersionConflict' ? storeUnavailable(operation, failure) : failure;
  }
  return storeUnavailable(operation, error);
};

/**
 * Delivers committed events to `handler`, in global order, at least once, with a durable checkpoint.
 *
 * - Starts after the checkpoint saved under `name`; without one, per `from` (default `'start'`). Starting at
 *   `'end'` saves the head as the checkpoint at once, so a restart does not skip what committed meanwhile.
 * - Events of streams Accrue does not own are not delivered (but are checkpointed past).
 * - The checkpoint is written only after the handler's task returned right: a crash between the two
 *   redelivers the event after a restart. Handlers must therefore be idempotent.
 * - A handler that returns a left (or rejects) stops the subscription (`SubscriptionHandlerFailed`) without
 *   checkpointing the event; so do a store failure and an event that does not decode (`CorruptEvent`, never
 *   skipped). Restarting with the same name delivers that event again.
 */
export const runSubscription = (options: SubscriptionRunOptions): RunningSubscription => {
  if (!isSubscriptionName(options.name))
    throw new TypeError(
      `invalid subscription name ${JSON.stringify(options.name)}: 1 to 200 visible ASCII characters`,
    );
  const abort = new AbortController();
  // A function, not the property: the compiler would otherwise treat the flag as fixed across the awaits.
  const stopping = (): boolean => abort.signal.aborted;
  let checkpoint: bigint | undefined;

  const run = async (): Promise<E.Either<SubscriptionError, void>> => {
    const loaded = await options.checkpoints.load(options.name)();
    if (E.isLeft(loaded)) return loaded;
    checkpoint = loaded.right;
    if (checkpoint === undefined) {
      const from = options.from ?? 'start';
      if (from === 'end') {
        const head = await logHead(options.events);
        if (E.isLeft(head)) return head;
        if (head.right !== undefined) {
          const saved = await options.checkpoints.save(options.name, head.right)();
          if (E.isLeft(saved)) return saved;
          checkpoint = head.right;
        }
      } else if (from !== 'start') {
        checkpoint = from;
      }
    }
    if (stopping()) return E.right(undefined);

    let iterator: AsyncIterator<RecordedEvent> | undefined;
    try {
      iterator = options.events
        .follow({ ...(checkpoint === undefined ? {} : { after: checkpoint }), signal: abort.signal })
        [Symbol.asyncIterator]();
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return E.right(undefined);
        const recorded = next.value;
        const projected = toProjectedEvent(recorded);
        if (E.isLeft(projected)) return projected;
        if (projected.right !== undefined) {
          let handled: E.Either<unknown, unknown>;
          try {
            handled = await options.handler(projected.right)();
          } catch (cause) {
            handled = E.left(cause);
          }
          if (E.isLeft(handled)) {
            return E.left({
              _tag: 'SubscriptionHandlerFailed',
              name: options.name,
              eventId: recorded.eventId,
              globalPosition: recorded.globalPosition,
              cause: handled.left,
            });
          }
        }
        const saved = await options.checkpoints.save(options.name, recorded.globalPosition)();
        if (E.isLeft(saved)) return saved;
        checkpoint = recorded.globalPosition;
        if (stopping()) return E.right(undefined);
      }
    } catch (error) {
      if (stopping()) return E.right(undefined);
      return E.left(failureOf(error, 'subscription follow'));
    } finally {
      await iterator?.return?.().catch(() => undefined);
    }
  };

  const ended = run();
  return {
    stop: async () => {
      abort.abort();
      await ended;
    },
    ended,
    position: () => checkpoint,
  };
};
