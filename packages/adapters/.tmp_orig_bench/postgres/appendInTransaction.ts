import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ClientBase } from 'pg';

import type { AppendError, AppendResult, ExpectedVersion, NewEvent, VersionConflict } from '@accrue/domain';
import { storeUnavailable, versionConflict } from '@accrue/domain';

import type { AppendRequest } from './appendRequest.js';
import { toAppendRequest } from './appendRequest.js';
import { appendWithin } from './appendWithin.js';
import { classifyFailure } from './postgresErrors.js';
import { schemaNameOrThrow } from './schemaName.js';

export interface AppendInTransactionOptions {
  /** The schema the store was migrated into (default `public`). */
  readonly schema?: string;
}

/**
 * Appends to a stream inside a transaction the caller already opened on `client`, so the events commit or roll
 * back with the caller's own writes (a read model, an outbox row). Nothing here begins, commits or rolls back.
 *
 * - The append advisory lock is taken in the caller's transaction and held until it ends: every other append
 *   to the schema waits meanwhile, so keep such transactions short.
 * - Followers are woken by a `NOTIFY` that PostgreSQL delivers only when the caller commits.
 * - A `VersionConflict` found by the version check leaves the transaction usable. One raised by a unique
 *   constraint (a writer that bypassed the lock) and a `StoreUnavailable` leave it aborted: roll back.
 * - The schema must have been migrated (`createPostgresEventStore` or `migrateWithin` does it).
 */
export const appendInTransaction = (
  client: ClientBase,
  options: AppendInTransactionOptions,
  streamName: string,
  expected: ExpectedVersion,
  events: ReadonlyArray<NewEvent>,
): TE.TaskEither<AppendError, AppendResult> => {
  const schema = schemaNameOrThrow(options.schema ?? 'public');
  return pipe(
    TE.fromEither<AppendError, AppendRequest>(toAppendRequest(streamName, expected, events)),
    TE.flatMap(
      (request): TE.TaskEither<AppendError, ReadonlyArray<E.Either<VersionConflict, AppendResult>>> => {
        // Outside a transaction the lock would be released right after it is taken, and with it the ordering
        // guarantee, so refuse instead of appending unsafely. 'E' is a transaction already aborted.
        const status = client.getTransactionStatus();
        return status === 'T'
          ? TE.tryCatch(
              () => appendWithin(client, schema, [request]),
              (cause): AppendError =>
                classifyFailure(cause) === 'constraint'
                  ? versionConflict(streamName, expected, undefined, cause)
                  : storeUnavailable('appendInTransaction', cause),
            )
          : TE.left(
              storeUnavailable(
                'appendInTransaction',
                new Error(
                  `appendInTransaction needs a client inside an open, healthy transaction (status ${String(status)})`,
                ),
              ),
            );
      },
    ),
    TE.flatMapEither((results): E.Either<AppendError, AppendResult> => {
      const result = results[0];
      return result === undefined
        ? E.left(storeUnavailable('appendInTransaction', new Error('no result for the request')))
        : result;
    }),
  );
};
