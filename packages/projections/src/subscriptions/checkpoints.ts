import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { StoreUnavailable } from '@accrue/domain';

/**
 * Where subscriptions keep their durable checkpoints: the global position of the last event each named
 * subscription has finished handling. One implementation per store, in the store's own database (PostgreSQL
 * and SQLite tables in `@accrue/adapters`, a map for the memory store), all running one contract suite
 * (`subscriptionCheckpointsContract` in `@accrue/adapters/testing`).
 *
 * Invariants:
 * - `save` is durable when its task resolves right: a `load` after a crash returns that position (or a later
 *   one), never an earlier one.
 * - `load` of a name never saved is `undefined`; names are independent of each other.
 * - `save` replaces the position: the subscription loop is the only writer of its name and only moves forward.
 */
export interface SubscriptionCheckpoints {
  load(name: string): TE.TaskEither<StoreUnavailable, bigint | undefined>;
  save(name: string, position: bigint): TE.TaskEither<StoreUnavailable, void>;
  /** Releases what the implementation opened itself (never the event store it shares a database with). */
  close(): Promise<void>;
}

/** A subscription name: 1 to 200 visible characters, so it fits a primary key and reads well in logs. */
export const isSubscriptionName = (name: string): boolean => /^[\x21-\x7e]{1,200}$/.test(name);
