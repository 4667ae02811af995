import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ClientBase } from 'pg';

import type { CorruptEvent, EventStore, RecordedEvent, StoreUnavailable } from '@accrue/domain';
import { StoreFailure, storeUnavailable } from '@accrue/domain';
import {
  SchemaName,
  appendInTransaction,
  createPostgresEventStore,
  createPostgresReadModelStore,
  createPostgresSubscriptionCheckpoints,
  lockReadModelAppliesWithin,
  readAllWithin,
  readModelTransactionWithin,
  readStatusesWithin,
  readStreamWithin,
} from '@accrue/adapters/postgres';
import type { ProjectedEvent, Projection } from '@accrue/projections';
import { allProjections, applyBatch, toProjectedEvent } from '@accrue/projections';

import type { Backend, TransactionSupport } from './backend.js';

export interface PostgresBackendOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly readSchema: string;
  readonly poolSize?: number;
}

const INLINE_BATCH = 1000;

/** The lowest of the positions, or undefined if any projection has applied nothing yet. */
const lowestPosition = (positions: ReadonlyArray<bigint | undefined>): bigint | undefined => {
  let lowest: bigint | undefined;
  for (const position of positions) {
    if (position === undefined) return undefined;
    if (lowest === undefined || position < lowest) lowest = position;
  }
  return lowest;
};

const schemaName = (name: string): SchemaName => {
  if (SchemaName.is(name)) return name;
  throw new TypeError(
    `invalid PostgreSQL schema name ${JSON.stringify(name)}: use lower-case letters, digits and _ (at most 63)`,
  );
};

/** An async iterable that fails at once: following the log has no meaning inside one transaction. */
const noFollow = (): AsyncIterable<RecordedEvent> => ({
  [Symbol.asyncIterator]: () => ({
    next: () =>
      Promise.reject(
        new StoreFailure(
          storeUnavailable('follow', new Error('follow is not available inside an embedder transaction')),
        ),
      ),
  }),
});

/**
 * Transactions on the embedder's client. The event store seen from inside is made of the adapter's
 * `…Within` operations on that client, so `handleCommand`, `approveInvoice` and `issueCreditNote` run unchanged
 * and everything they write commits or rolls back with the embedder's rows.
 *
 * Gap-free numbers under concurrent transactions: `appendInTransaction` takes the schema's append lock and
 * holds it until the embedder's transaction ends, and checks the series stream's version under it. A
 * transaction that reserved a number commits it with the invoice or rolls both back; another one waiting for
 * the lock finds the series moved on, gets a `VersionConflict` that leaves its transaction usable, re-reads
 * (READ COMMITTED: each statement sees what committed before it) and takes the next number.
 */
const transactionSupport = (
  eventsSchema: SchemaName,
  readSchema: SchemaName,
  projections: ReadonlyArray<Projection>,
): TransactionSupport => {
  const storeWithin = (client: ClientBase): EventStore => ({
    readStream: (streamName, options) => readStreamWithin(client, eventsSchema, streamName, options),
    appendToStream: (streamName, expected, events) =>
      appendInTransaction(client, { schema: eventsSchema }, streamName, expected, events),
    readAll: (options) => readAllWithin(client, eventsSchema, options),
    follow: noFollow,
    // The client is the embedder's: it releases it.
    close: () => Promise.resolve(),
  });

  const checkWithin = (client: ClientBase): TE.TaskEither<StoreUnavailable, void> =>
    pipe(
      TE.tryCatch(
        async () => {
          if (client.getTransactionStatus() !== 'T')
            return `the client must be inside an open, healthy transaction (status ${String(client.getTransactionStatus())}): BEGIN first, and roll back after an error`;
          const isolation = await client.query<{ transaction_isolation: string }>(
            'SHOW transaction_isolation',
          );
          const level = isolation.rows[0]?.transaction_isolation;
          return level === 'read committed'
            ? undefined
            : `the transaction must be READ COMMITTED (PostgreSQL's default), not ${String(level)}: number reservations re-read what other transactions committed`;
        },
        (cause) => storeUnavailable('transaction', cause),
      ),
      TE.flatMap((problem) =>
        problem === undefined
          ? TE.right(undefined)
          : TE.left(storeUnavailable('transaction', new Error(problem))),
      ),
    );

  /**
   * The read models brought up to the log's head inside the transaction: the apply lock first (so the runner's
   * batches and other transactions' inline updates wait), then every live projection from its checkpoint, with
   * the checkpoints moved, all in the embedder's transaction. Called only after an append, so the append lock
   * is already held: nobody else can commit events meanwhile, and the head read here is final.
   */
  const inlineWithin = (client: ClientBase): TE.TaskEither<StoreUnavailable | CorruptEvent, void> =>
    pipe(
      TE.tryCatch(
        async (): Promise<E.Either<CorruptEvent, void>> => {
          await lockReadModelAppliesWithin(client, readSchema);
          const statuses = await readStatusesWithin(client, readSchema);
          const live = projections.flatMap((projection) => {
            const status = statuses.find((candidate) => candidate.name === projection.name);
            // A projection not yet initialised, or awaiting a rebuild, is the runner's to handle.
            return status === undefined || status.version !== projection.version
              ? []
              : [{ projection, generation: status.generation, position: status.position }];
          });
          if (live.length === 0) return E.right(undefined);
          const tx = readModelTransactionWithin(client, { schema: readSchema });
          let after = lowestPosition(live.map((entry) => entry.position));
          for (;;) {
            const batch = await readAllWithin(client, eventsSchema, {
              ...(after === undefined ? {} : { after }),
              maxCount: INLINE_BATCH,
            })();
            if (E.isLeft(batch)) {
              if (batch.left._tag === 'CorruptEvent') return E.left(batch.left);
              throw new StoreFailure(batch.left);
            }
            const last = batch.right.events.at(-1)?.globalPosition;
            if (last === undefined) return E.right(undefined);
            const decoded: ProjectedEvent[] = [];
            for (const recorded of batch.right.events) {
              const projected = toProjectedEvent(recorded);
              if (E.isLeft(projected)) return projected;
              if (projected.right !== undefined) decoded.push(projected.right);
            }
            for (const entry of live) {
              await applyBatch(tx, entry.projection, entry.generation, decoded, entry.position);
              if (entry.position === undefined || entry.position < last) {
                await tx.setCheckpoint(entry.projection, entry.generation, last);
                entry.position = last;
              }
            }
            if (batch.right.events.length < INLINE_BATCH) return E.right(undefined);
            after = last;
          }
        },
        (cause): StoreUnavailable | CorruptEvent =>
          cause instanceof StoreFailure && cause.failure._tag !== 'VersionConflict'
            ? cause.failure
            : storeUnavailable('inline read models', cause),
      ),
      TE.flatMap(TE.fromEither),
    );

  return { storeWithin, checkWithin, inlineWithin };
};

/**
 * PostgreSQL: the log in `schema`, the read models in `readSchema` of the same database, subscription
 * checkpoints beside the log; and transactions on the embedder's own client.
 */
export const openPostgresBackend = async (options: PostgresBackendOptions): Promise<Backend> => {
  const eventsSchema = schemaName(options.schema);
  const readSchema = schemaName(options.readSchema);
  const events = await createPostgresEventStore({
    connectionString: options.connectionString,
    schema: eventsSchema,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  });
  try {
    const readModels = await createPostgresReadModelStore({
      connectionString: options.connectionString,
      schema: readSchema,
    });
    try {
      const checkpoints = await createPostgresSubscriptionCheckpoints({
        connectionString: options.connectionString,
        schema: eventsSchema,
      });
      return {
        events,
        readModels,
        checkpoints,
        transactions: transactionSupport(eventsSchema, readSchema, allProjections),
        close: async () => {
          await checkpoints.close();
          await readModels.close();
          await events.close();
        },
      };
    } catch (error) {
      await readModels.close();
      throw error;
    }
  } catch (error) {
    await events.close();
    throw error;
  }
};
