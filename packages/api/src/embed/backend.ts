import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { ClientBase } from 'pg';

import type { CorruptEvent, EventStore, StoreUnavailable } from '@accrue/domain';
import type { ReadModelStore, SubscriptionCheckpoints } from '@accrue/projections';

/** What `createAccrue` opened for a store: the log, the read models, subscription checkpoints. */
export interface Backend {
  readonly events: EventStore;
  readonly readModels: ReadModelStore;
  readonly checkpoints: SubscriptionCheckpoints;
  /** PostgreSQL only: running inside the embedder's own transactions. */
  readonly transactions: TransactionSupport | undefined;
  readonly close: () => Promise<void>;
}

/** How operations run inside a transaction the embedder opened on its own `pg` client. */
export interface TransactionSupport {
  /** The event store as seen from inside the transaction: reads and appends go through `client`. */
  readonly storeWithin: (client: ClientBase) => EventStore;
  /** Checks `client` is inside an open READ COMMITTED transaction. */
  readonly checkWithin: (client: ClientBase) => TE.TaskEither<StoreUnavailable, void>;
  /** Brings the read models up to the transaction's own events, inside it (they commit or roll back with it). */
  readonly inlineWithin: (client: ClientBase) => TE.TaskEither<StoreUnavailable | CorruptEvent, void>;
}
