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

const readLiveTables = async (store: ReadModelStore): Promise<LiveTables> => {
  const statuses = await store.statuses();
  const generations = new Map(statuses.map((status) => [status.name, status.generation]));
  const names = new Map<string, string | undefined>();
  return {
    name: (projection, table) => {
      const key = `${projection.name}\u0001${table}`;
      if (names.has(key)) return names.get(key);
      const generation = generations.get(projection.name);
      const name = generation === undefined ? undefined : store.tableName(projection.name, table, generation);
      names.set(key, name);
      return name;
    },
  };
};

/**
 * A cheap stamp that changes whenever anything in the read-model database may have changed, or undefined when
 * the store has none. SQLite's `PRAGMA data_version` on the read connection changes whenever another connection
 * commits: every projection batch and every `activate` commits on the writer connection (in this process, or in
 * another one such as `accrue rebuild`), so an unchanged stamp means unchanged tables and `projection_state`.
 * PostgreSQL has no such cheap stamp: there, nothing is cached.
 */
export const readModelStamp = async (store: ReadModelStore): Promise<bigint | undefined> => {
  if (store.changeStamp !== undefined) return store.changeStamp();
  if (store.dialect !== 'sqlite') return undefined;
  const [row] = await store.query('PRAGMA data_version');
  const value = row?.['data_version'];
  return typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : undefined;
};

const cached = new WeakMap<ReadModelStore, { readonly stamp: bigint; readonly tables: LiveTables }>();

/**
 * The live tables of `store`, given a stamp taken before (see `readModelStamp`). Reading the statuses on every
 * query cost as much as the query itself, so they are kept per store while the stamp is unchanged. The stamp is
 * taken before the statuses are read, so a commit in between only causes one more read, never a stale name.
 */
export const liveTablesAt = async (store: ReadModelStore, stamp: bigint | undefined): Promise<LiveTables> => {
  if (stamp === undefined) return readLiveTables(store);
  const known = cached.get(store);
  if (known?.stamp === stamp) return known.tables;
  const tables = await readLiveTables(store);
  cached.set(store, { stamp, tables });
  return tables;
};

/** The live tables of `store` now (cached while the store reports no commit, see `liveTablesAt`). */
export const liveTables = async (store: ReadModelStore): Promise<LiveTables> =>
  liveTablesAt(store, await readModelStamp(store));

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
