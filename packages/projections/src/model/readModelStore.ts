import type { Projection } from './projection.js';
import type { Change, Row, SqlValue } from './readModel.js';

/** Where a projection stands: which generation of its tables is live, and how far it has read the log. */
export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  /** The global position of the last event applied (undefined before the first). */
  readonly position: bigint | undefined;
}

/**
 * One transaction on the read-model database: the rows a projection reads, the changes it makes and its
 * checkpoint all commit together, or not at all (exactly-once effect for an at-least-once runner).
 */
export interface ReadModelTransaction {
  get(projection: Projection, generation: number, table: string, key: Row): Promise<Row | undefined>;
  apply(projection: Projection, generation: number, changes: ReadonlyArray<Change>): Promise<void>;
  setCheckpoint(projection: Projection, generation: number, position: bigint): Promise<void>;
}

/**
 * The read-model database (SQLite or PostgreSQL, in `@accrue/adapters`). Each projection generation has its own
 * tables, named by the store from the projection name, the logical table name and the generation, so a rebuild
 * fills new tables beside the live ones and `activate` switches readers over in one transaction.
 */
export interface ReadModelStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates the projection generation's tables and indexes if they are missing. */
  prepare(projection: Projection, generation: number): Promise<void>;
  /** The live generation of every known projection. */
  statuses(): Promise<ReadonlyArray<ProjectionStatus>>;
  /** The checkpoint of one generation (live or being rebuilt). */
  checkpoint(name: string, generation: number): Promise<bigint | undefined>;
  transaction<A>(work: (tx: ReadModelTransaction) => Promise<A>, options?: TransactionOptions): Promise<A>;
  /** Makes `generation` the live one for readers (recording `version`) and drops the tables of the others. */
  activate(projection: Projection, generation: number): Promise<void>;
  /** The physical name of a projection's table in a generation (for queries). */
  tableName(projectionName: string, table: string, generation: number): string;
  /** A read-only query; `?` placeholders, in order. Integers read back as `bigint`. */
  query(sql: string, params?: ReadonlyArray<SqlValue>): Promise<ReadonlyArray<Row>>;
  /**
   * Optional: a value that changes whenever committed read-model data may have changed (any commit, by this
   * store's writer or another process), cheap enough to take for every query: queries cache what they read
   * while it holds. Stores without it fall back to querying `PRAGMA data_version` (SQLite) or no caching.
   */
  changeStamp?(): bigint;
  close(): Promise<void>;
  /**
   * Optional bulk loading, for a generation that no reader uses yet: a rebuild's new generation, or a first fill
   * of empty tables before anything is served. `startBulkLoad` removes the generation's secondary indexes (the
   * primary keys stay, so reads and upserts by key behave as always); `finishBulkLoad` builds them again, once,
   * from the filled tables. A crash in between leaves the indexes missing until the next `prepare` or
   * `activate`, which create any that are missing. Stores without it fill every generation the same way.
   */
  startBulkLoad?(projection: Projection, generation: number): Promise<void>;
  finishBulkLoad?(projection: Projection, generation: number): Promise<void>;
}

export interface TransactionOptions {
  /**
   * The transaction only writes generations that no reader uses yet (see `startBulkLoad`), so it need not be
   * durable when it commits: a store may commit it without waiting for the disk (SQLite: `synchronous=NORMAL` in
   * WAL mode). A power cut may then undo it — atomically, rows and checkpoint together, never corrupting
   * anything — and the runner redoes it from the checkpoint it finds. A later durable commit makes it durable.
   */
  readonly relaxedDurability?: boolean;
}
