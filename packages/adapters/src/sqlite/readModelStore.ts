import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import Database from 'better-sqlite3';

import { identifier, readModelTableName } from '../shared/readModelTableName.js';

import type {
  Change,
  ColumnSpec,
  Projection,
  ProjectionStatus,
  ReadModelStore,
  ReadModelTransaction,
  Row,
  SqlValue,
  TableSpec,
  TransactionOptions,
} from '@accrue/projections';

export interface SqliteReadModelStoreOptions {
  /** Database file for the read models (created with its folder); `:memory:` for tests. */
  readonly path: string;
}

const SQL_TYPES: Record<ColumnSpec['type'], string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  boolean: 'INTEGER',
  json: 'TEXT',
};

/**
 * Read models in SQLite. A writer connection runs the runner's transactions (rows, changes and checkpoint commit
 * together); a second connection serves queries, so readers see committed batches only (WAL snapshots) and are
 * never blocked by a rebuild. Integers read back as `bigint`, booleans as booleans, JSON columns as text.
 */
export const createSqliteReadModelStore = (options: SqliteReadModelStoreOptions): ReadModelStore => {
  // `:memory:` gets a private temporary file instead: an in-memory database has a single connection, and
  // readers must have their own to never see a batch in progress.
  const temporary = options.path === ':memory:' ? mkdtempSync(join(tmpdir(), 'accrue-read-')) : undefined;
  const path = temporary === undefined ? options.path : join(temporary, 'read.db');
  mkdirSync(dirname(path), { recursive: true });
  const writer = new Database(path);
  const reader = new Database(path);
  for (const db of [writer, reader]) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
  }
  // A bounded page cache for the writer (32 MiB instead of SQLite's 2 MiB): the tables' indexes stay in memory
  // through a rebuild's inserts, and memory stays flat whatever the size of the log.
  writer.pragma('cache_size = -32768');
  writer.exec(`
    CREATE TABLE IF NOT EXISTS projection_state (
      name TEXT PRIMARY KEY, version INTEGER NOT NULL, generation INTEGER NOT NULL, activated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name TEXT NOT NULL, generation INTEGER NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (name, generation)
    );
    CREATE TABLE IF NOT EXISTS projection_tables (
      table_name TEXT PRIMARY KEY, name TEXT NOT NULL, generation INTEGER NOT NULL, logical TEXT NOT NULL
    );
  `);

  const specs = new Map<string, TableSpec>();
  // Prepared statements by SQL text, one map per connection (keyed by the text itself: building a combined key
  // would hash a fresh string on every query).
  const statements = new Map<Database.Database, Map<string, Database.Statement>>([
    [writer, new Map()],
    [reader, new Map()],
  ]);
  const statement = (db: Database.Database, sql: string): Database.Statement => {
    let byText = statements.get(db);
    if (byText === undefined) {
      byText = new Map();
      statements.set(db, byText);
    }
    let prepared = byText.get(sql);
    if (prepared === undefined) {
      prepared = db.prepare(sql);
      if (prepared.reader) prepared.safeIntegers(true);
      byText.set(sql, prepared);
    }
    return prepared;
  };

  const tableName = readModelTableName;

  const specOf = (projection: Projection, table: string): TableSpec => {
    const spec = projection.tables.find((candidate) => candidate.name === table);
    if (spec === undefined) throw new Error(`projection ${projection.name} has no table ${table}`);
    return spec;
  };

  const toSql = (value: SqlValue | undefined): string | bigint | number | null =>
    value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : value;

  const decodeRow = (spec: TableSpec | undefined, row: Record<string, unknown>): Row => {
    const decoded: Record<string, SqlValue> = {};
    for (const [column, value] of Object.entries(row)) {
      const type = spec?.columns.find((c) => c.name === column)?.type;
      decoded[column] =
        type === 'boolean' && value !== null ? value === 1n || value === 1 : (value as SqlValue);
    }
    return decoded;
  };

  /**
   * What the writer needs to know about one table of one generation, worked out once: its checked physical
   * name, its columns, and its prepared statements (the hot path of a rebuild runs them hundreds of thousands
   * of times). Forgotten when `activate` drops tables.
   */
  interface TablePlan {
    readonly spec: TableSpec;
    readonly table: string;
    readonly columns: ReadonlyArray<string>;
    readonly hasBoolean: boolean;
    readonly selects: Map<string, Database.Statement>;
    /** `INSERT OR REPLACE` of one row, and the array its values are bound from (reused: no array per row). */
    readonly insert: Database.Statement;
    readonly values: Array<string | bigint | number | null>;
  }
  let plans = new WeakMap<Projection, Map<string, TablePlan>>();
  const planOf = (projection: Projection, generation: number, logical: string): TablePlan => {
    let byTable = plans.get(projection);
    if (byTable === undefined) {
      byTable = new Map();
      plans.set(projection, byTable);
    }
    const id = `${logical}\u0001${String(generation)}`;
    let plan = byTable.get(id);
    if (plan === undefined) {
      const spec = specOf(projection, logical);
      const table = tableName(projection.name, logical, generation);
      const columns = spec.columns.map((c) => identifier(c.name));
      plan = {
        spec,
        table,
        columns,
        hasBoolean: spec.columns.some((c) => c.type === 'boolean'),
        selects: new Map(),
        // One row per statement: as fast as multi-row VALUES lists here (binding dominates either way), and
        // nothing to assemble per chunk.
        insert: writer.prepare(
          `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        ),
        values: new Array<string | bigint | number | null>(columns.length).fill(null),
      };
      byTable.set(id, plan);
    }
    return plan;
  };

  /** Writes one row (an upsert: it replaces the row with the same primary key). */
  const insertRow = (plan: TablePlan, row: Row): void => {
    const columns = plan.spec.columns;
    const values = plan.values;
    for (let i = 0; i < columns.length; i++) values[i] = toSql(row[(columns[i] as ColumnSpec).name]);
    plan.insert.run(values);
  };

  /** Secondary index statements of a table in a generation (`<table>_i<n>`), to create or to drop. */
  const indexesOf = (projection: Projection, generation: number): Array<{ name: string; create: string }> =>
    projection.tables.flatMap((spec) => {
      const table = tableName(projection.name, spec.name, generation);
      return (spec.indexes ?? []).map((index, i) => ({
        name: `${table}_i${String(i)}`,
        create: `CREATE INDEX IF NOT EXISTS ${table}_i${String(i)} ON ${table} (${index.map(identifier).join(', ')})`,
      }));
    });
  const createIndexes = (projection: Projection, generation: number): void => {
    for (const index of indexesOf(projection, generation)) writer.exec(index.create);
  };

  // The change stamp (see `changeStamp`): `PRAGMA data_version` of the reader, which changes whenever another
  // connection (this store's writer, or another process) commits. One prepared statement, plucked, synchronous.
  const dataVersion = reader.prepare('PRAGMA data_version').pluck();
  dataVersion.safeIntegers(true);

  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <A>(work: () => Promise<A>): Promise<A> => {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  };

  const transactionApi: ReadModelTransaction = {
    get: (projection, generation, table, key) => {
      const plan = planOf(projection, generation, table);
      const columns = Object.keys(key);
      const id = columns.join('\u0001');
      let select = plan.selects.get(id);
      if (select === undefined) {
        select = writer.prepare(
          `SELECT * FROM ${plan.table} WHERE ${columns.map((c) => `${identifier(c)} = ?`).join(' AND ')}`,
        );
        select.safeIntegers(true);
        plan.selects.set(id, select);
      }
      const row = select.get(columns.map((c) => toSql(key[c]))) as Record<string, unknown> | undefined;
      return Promise.resolve(
        row === undefined ? undefined : plan.hasBoolean ? decodeRow(plan.spec, row) : (row as Row),
      );
    },
    apply: (projection, generation, changes) => {
      applyChanges(projection, generation, changes);
      return Promise.resolve();
    },
    setCheckpoint: (projection, generation, position) => {
      statement(
        writer,
        'INSERT INTO projection_checkpoints (name, generation, position) VALUES (?, ?, ?) ON CONFLICT (name, generation) DO UPDATE SET position = excluded.position',
      ).run(projection.name, generation, position);
      return Promise.resolve();
    },
  };

  /** Applies changes one by one, in order. */
  const applyChanges = (projection: Projection, generation: number, changes: ReadonlyArray<Change>): void => {
    for (const change of changes) {
      const plan = planOf(projection, generation, change.table);
      if (change.op === 'upsert') {
        insertRow(plan, change.row);
        continue;
      }
      const columns = Object.keys(change.key);
      statement(
        writer,
        `DELETE FROM ${plan.table} WHERE ${columns.map((c) => `${identifier(c)} = ?`).join(' AND ')}`,
      ).run(...columns.map((c) => toSql(change.key[c])));
    }
  };

  const store: ReadModelStore = {
    dialect: 'sqlite',
    changeStamp: () => dataVersion.get() as bigint,
    prepare: (projection, generation) => {
      for (const spec of projection.tables) {
        specs.set(`${projection.name}/${spec.name}`, spec);
        const table = tableName(projection.name, spec.name, generation);
        // The registry is what `activate` drops from, and it refuses two definitions that map to one table.
        const owner = writer
          .prepare('SELECT name, generation, logical FROM projection_tables WHERE table_name = ?')
          .get(table) as { name: string; generation: bigint | number; logical: string } | undefined;
        if (owner !== undefined && (owner.name !== projection.name || owner.logical !== spec.name)) {
          throw new Error(`read-model table ${table} already belongs to ${owner.name}/${owner.logical}`);
        }
        writer
          .prepare(
            'INSERT OR IGNORE INTO projection_tables (table_name, name, generation, logical) VALUES (?, ?, ?, ?)',
          )
          .run(table, projection.name, generation, spec.name);
        const columns = spec.columns.map(
          (c) => `${identifier(c.name)} ${SQL_TYPES[c.type]}${c.nullable === true ? '' : ' NOT NULL'}`,
        );
        writer.exec(
          `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')}, PRIMARY KEY (${spec.primaryKey.map(identifier).join(', ')}))`,
        );
      }
      createIndexes(projection, generation);
      return Promise.resolve();
    },
    statuses: () => {
      const rows = statement(
        reader,
        `SELECT s.name, s.version, s.generation, c.position FROM projection_state s
         LEFT JOIN projection_checkpoints c ON c.name = s.name AND c.generation = s.generation`,
      ).all() as Array<{ name: string; version: bigint; generation: bigint; position: bigint | null }>;
      return Promise.resolve(
        rows.map((row): ProjectionStatus => ({
          name: row.name,
          version: Number(row.version),
          generation: Number(row.generation),
          position: row.position ?? undefined,
        })),
      );
    },
    checkpoint: (name, generation) => {
      const row = statement(
        reader,
        'SELECT position FROM projection_checkpoints WHERE name = ? AND generation = ?',
      ).get(name, generation) as { position: bigint } | undefined;
      return Promise.resolve(row?.position);
    },
    transaction: <A>(work: (tx: ReadModelTransaction) => Promise<A>, options?: TransactionOptions) =>
      serialised(async () => {
        // WAL with synchronous=NORMAL: the commit does not wait for fsync; it stays atomic, and becomes durable
        // with the next synchronous commit or checkpoint (the WAL is one sequential file).
        const relaxed = options?.relaxedDurability === true;
        if (relaxed) writer.pragma('synchronous = NORMAL');
        try {
          writer.exec('BEGIN IMMEDIATE');
          try {
            const result = await work(transactionApi);
            writer.exec('COMMIT');
            return result;
          } catch (error) {
            if (writer.inTransaction) writer.exec('ROLLBACK');
            throw error;
          }
        } finally {
          if (relaxed) writer.pragma('synchronous = FULL');
        }
      }),
    startBulkLoad: (projection, generation) =>
      serialised(() => {
        for (const index of indexesOf(projection, generation))
          writer.exec(`DROP INDEX IF EXISTS ${index.name}`);
        return Promise.resolve();
      }),
    finishBulkLoad: (projection, generation) =>
      serialised(() => {
        // Built from the filled table in one sort each, instead of one random insert per row during the fill.
        writer.transaction(() => {
          createIndexes(projection, generation);
        })();
        return Promise.resolve();
      }),
    activate: (projection, generation) =>
      serialised(() => {
        writer
          .transaction(() => {
            statement(
              writer,
              `INSERT INTO projection_state (name, version, generation, activated_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (name) DO UPDATE SET version = excluded.version, generation = excluded.generation, activated_at = excluded.activated_at`,
            ).run(projection.name, projection.version, generation);
            // A live generation always has its indexes, even if a bulk load's `finishBulkLoad` never ran.
            createIndexes(projection, generation);
            const old = writer
              .prepare('SELECT table_name FROM projection_tables WHERE name = ? AND generation <> ?')
              .all(projection.name, generation) as Array<{ table_name: string }>;
            for (const { table_name } of old) writer.exec(`DROP TABLE IF EXISTS ${identifier(table_name)}`);
            writer
              .prepare('DELETE FROM projection_tables WHERE name = ? AND generation <> ?')
              .run(projection.name, generation);
            writer
              .prepare('DELETE FROM projection_checkpoints WHERE name = ? AND generation <> ?')
              .run(projection.name, generation);
          })
          .immediate();
        for (const byText of statements.values()) byText.clear();
        plans = new WeakMap();
        return Promise.resolve();
      }),
    tableName,
    // Queries run on their own connection: a WAL snapshot of committed batches only. Their rows are handed
    // back as the driver made them (plain objects of bigint, number, string and null): queries know no specs,
    // so there is nothing to convert.
    query: (sql, params = []) =>
      Promise.resolve(statement(reader, sql).all(...params.map(toSql)) as Array<Row>),
    close: async () => {
      await queue;
      reader.close();
      writer.close();
      if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
    },
  };
  return store;
};
