import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';

import type { ReadAllBatch, ReadAllOptions, ReadError } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

import { decodeEventRows, eventColumns } from './codecs.js';
import type { Queryable } from './queryable.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

/**
 * One batch of the global log after `after`, in position order. Positions are allocated and committed in the
 * same order (see `appendWithin`), so a plain `>` scan never skips an event that commits later.
 */
export const readAllWithin = (
  client: Queryable,
  schema: SchemaName,
  { after, maxCount }: ReadAllOptions,
): TE.TaskEither<ReadError, ReadAllBatch> =>
  pipe(
    TE.tryCatch(
      () =>
        client.query(
          `SELECT ${eventColumns} FROM ${qualified(schema, 'events')}
           WHERE global_position > $1
           ORDER BY global_position
           LIMIT $2`,
          [(after ?? 0n).toString(), maxCount],
        ),
      (cause): ReadError => storeUnavailable('readAll', cause),
    ),
    TE.flatMapEither((result) =>
      pipe(
        decodeEventRows(result.rows),
        E.mapLeft((error): ReadError => error),
        E.map((events): ReadAllBatch => ({ events, lastPosition: events.at(-1)?.globalPosition ?? after })),
      ),
    ),
  );
