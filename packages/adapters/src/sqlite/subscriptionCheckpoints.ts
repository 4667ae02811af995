import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { StoreUnavailable } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';
import type { SubscriptionCheckpoints } from '@accrue/projections';

import type { SqliteDatabase } from './openDatabase.js';

export interface SqliteSubscriptionCheckpointsOptions {
  /**
   * The event store's database (`SqliteEventStore.database`): checkpoints live in the same file as the events
   * they point into, so copying or restoring the file keeps them together.
   */
  readonly database: SqliteDatabase;
}

/**
 * Subscription checkpoints in the SQLite event store's file, table `accrue_subscriptions` (created if missing;
 * it is outside the event store's numbered migrations because only embedders' subscriptions use it).
 * `synchronous=FULL` on that connection makes a saved checkpoint survive a crash.
 */
export const createSqliteSubscriptionCheckpoints = (
  options: SqliteSubscriptionCheckpointsOptions,
): SubscriptionCheckpoints => {
  const db = options.database;
  db.exec(`CREATE TABLE IF NOT EXISTS accrue_subscriptions (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  )`);
  const select = db
    .prepare<[string], { position: bigint }>('SELECT position FROM accrue_subscriptions WHERE name = ?')
    .safeIntegers(true);
  const upsert = db.prepare<[string, bigint]>(
    `INSERT INTO accrue_subscriptions (name, position, updated_at)
     VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
  );
  const attempt =
    <A>(operation: string, run: () => A): TE.TaskEither<StoreUnavailable, A> =>
    () => {
      try {
        return Promise.resolve(E.right(run()));
      } catch (cause) {
        return Promise.resolve(E.left(storeUnavailable(operation, cause)));
      }
    };
  return {
    load: (name) => attempt('subscription checkpoint load', () => select.get(name)?.position),
    save: (name, position) =>
      attempt('subscription checkpoint save', () => {
        upsert.run(name, position);
      }),
    // The connection is the event store's: it closes it.
    close: () => Promise.resolve(),
  };
};
