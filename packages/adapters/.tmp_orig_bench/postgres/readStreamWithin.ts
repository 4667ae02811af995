import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';

import type { ReadError, ReadStreamOptions, RecordedEvent } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import { decodeEventRows, eventColumns } from './codecs.js';
import type { Queryable } from './queryable.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

/** One stream's events in version order, from `fromVersion` (default 1), at most `maxCount`. */
export const readStreamWithin = (
  client: Queryable,
  schema: SchemaName,
  streamName: string,
  options: ReadStreamOptions = {},
): TE.TaskEither<ReadError, ReadonlyArray<RecordedEvent>> =>
  pipe(
    TE.tryCatch(
      () =>
        client.query(
          `SELECT ${eventColumns} FROM ${qualified(schema, 'events')}
           WHERE stream_name = $1 AND stream_version >= $2
           ORDER BY stream_version
           LIMIT $3`,
          // LIMIT NULL means no limit.
          [streamName, Math.max(1, options.fromVersion ?? 1), options.maxCount ?? null],
        ),
      (cause): ReadError => storeUnavailable('readStream', cause),
    ),
    TE.flatMapEither((result) =>
      pipe(
        decodeEventRows(result.rows),
        E.mapLeft((error): ReadError => error),
      ),
    ),
  );
