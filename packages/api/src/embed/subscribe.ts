import * as E from 'fp-ts/lib/Either.js';
import type * as T from 'fp-ts/lib/Task.js';
import * as TE from 'fp-ts/lib/TaskEither.js';

import type { EventStore } from '@accrue/domain';
import type { ProjectedEvent, RunningSubscription, SubscriptionCheckpoints } from '@accrue/projections';
import { runSubscription } from '@accrue/projections';

import type { SubscriptionFailure } from './errors.js';
import { AccrueError } from './errors.js';

/**
 * A committed Accrue event as a subscription delivers it: the decoded event (`event.type`, `event.data`), its
 * stream, version, global position, id and metadata (tenant, command, actor, time, hash chain).
 */
export type AccrueEvent = ProjectedEvent;

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * The subscription's durable name: its checkpoint is stored under it in the store's own database, so a restart
   * with the same name resumes after the last event handled. One running subscription per name.
   */
  readonly name: string;
  /**
   * Where to start the first time (no checkpoint yet): `'start'` of the log (default), `'end'` (only events
   * committed from now on), or after a global position. Ignored once a checkpoint exists.
   */
  readonly from?: 'start' | 'end' | bigint;
}

/** A running subscription (promise API). */
export interface Subscription {
  /** Stops delivering; an event being handled is finished and checkpointed first. */
  stop(): Promise<void>;
  /**
   * Resolves when stopped; rejects with an `AccrueError` (`SubscriptionHandlerFailed`, `StoreUnavailable`,
   * `CorruptEvent`) when a failure stopped it. Never an unhandled rejection if you do not await it.
   */
  readonly closed: Promise<void>;
  /** The last checkpointed global position (undefined before the first event). */
  position(): bigint | undefined;
}

/** A running subscription (fp-ts API). */
export interface SubscriptionFp {
  /** Stops delivering; an event being handled is finished and checkpointed first. */
  readonly stop: T.Task<void>;
  /** Right when stopped, left with the failure that stopped it. */
  readonly closed: TE.TaskEither<SubscriptionFailure, void>;
  /** The last checkpointed global position (undefined before the first event). */
  position(): bigint | undefined;
}

/** Handles one event; resolving means done (the checkpoint moves past it), rejecting stops the subscription. */
export type EventHandler = (event: AccrueEvent) => Promise<void> | void;

/** Handles one event; right means done (the checkpoint moves past it), left stops the subscription. */
export type EventHandlerFp = (event: AccrueEvent) => TE.TaskEither<unknown, unknown>;

export interface SubscriptionDeps {
  readonly events: EventStore;
  readonly checkpoints: SubscriptionCheckpoints;
  /** Called with every subscription started, so `close` can stop them. */
  readonly track: (running: RunningSubscription) => void;
}

const start = (
  deps: SubscriptionDeps,
  handler: EventHandlerFp,
  options: SubscribeOptions,
): RunningSubscription => {
  const running = runSubscription({
    name: options.name,
    events: deps.events,
    checkpoints: deps.checkpoints,
    handler,
    ...(options.from === undefined ? {} : { from: options.from }),
  });
  deps.track(running);
  return running;
};

/** `subscribe` with a promise handler. */
export const subscribePromise = (
  deps: SubscriptionDeps,
  handler: EventHandler,
  options: SubscribeOptions,
): Subscription => {
  const running = start(
    deps,
    (event) =>
      TE.tryCatch(
        () => Promise.resolve(handler(event)),
        (cause) => cause,
      ),
    options,
  );
  const closed = running.ended.then((ended) => {
    if (E.isLeft(ended)) throw new AccrueError(ended.left);
  });
  // Marks the rejection handled: a caller who never awaits `closed` does not crash the process with it.
  closed.catch(() => undefined);
  return { stop: () => running.stop(), closed, position: () => running.position() };
};

/** `subscribe` with a TaskEither handler. */
export const subscribeFp = (
  deps: SubscriptionDeps,
  handler: EventHandlerFp,
  options: SubscribeOptions,
): SubscriptionFp => {
  const running = start(deps, handler, options);
  return {
    stop: () => running.stop(),
    closed: () => running.ended,
    position: () => running.position(),
  };
};
