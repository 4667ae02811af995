import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import type { Projection } from '../model/projection.js';
import type { Row, SqlValue } from '../model/readModel.js';
import type { ReadModelStore } from '../model/readModelStore.js';

/**
 * The physical names of the live tables, resolved once per query call: a rebuild switches generations between
 * calls, never inside one (each query runs on the store's read connection).
 */
export interface LiveTables {
  /** The live table's name, or undefined while the projection has no live generation (nothing to read yet). */
  readonly name: (projection: Projection, table: string) => string | undefined;
}

export const liveTables = async (store: ReadModelStore): Promise<LiveTables> => {
  const statuses = await store.statuses();
  const generations = new Map(statuses.map((status) => [status.name, status.generation]));
  return {
    name: (projection, table) => {
      const generation = generations.get(projection.name);
      return generation === undefined ? undefined : store.tableName(projection.name, table, generation);
    },
  };
};

/**
 * Rows decoded with their codec. The projections wrote them, so a row that does not fit is a bug or a damaged
 * read model, not a user error: it fails loudly rather than being skipped.
 */
export const decodeRows = <A>(codec: t.Decoder<unknown, A>, rows: ReadonlyArray<Row>): ReadonlyArray<A> =>
  rows.map((row) => {
    const decoded = codec.decode(row);
    if (E.isLeft(decoded)) {
      throw new Error(
        `read model row does not fit ${codec.name}: ${PathReporter.report(decoded).join('; ')}`,
      );
    }
    return decoded.right;
  });

/** Runs a query and decodes its rows. */
export const queryRows = async <A>(
  store: ReadModelStore,
  codec: t.Decoder<unknown, A>,
  sql: string,
  params: ReadonlyArray<SqlValue>,
): Promise<ReadonlyArray<A>> => decodeRows(codec, await store.query(sql, params));
