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
  const statements = new Map<string, Database.Statement>();
  const statement = (db: Database.Database, sql: string): Database.Statement => {
    const key = `${db === writer ? 'w' : 'r'}:${sql}`;
    let prepared = statements.get(key);
    if (prepared === undefined) {
      prepared = db.prepare(sql);
      if (prepared.reader) prepared.safeIntegers(true);
      statements.set(key, prepared);
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

  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <A>(work: () => Promise<A>): Promise<A> => {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  };

  const transactionApi: ReadModelTransaction = {
    get: (projection, generation, table, key) => {
      const spec = specOf(projection, table);
      const columns = Object.keys(key);
      const sql = `SELECT * FROM ${tableName(projection.name, table, generation)} WHERE ${columns
        .map((c) => `${identifier(c)} = ?`)
        .join(' AND ')}`;
      const row = statement(writer, sql).get(...columns.map((c) => toSql(key[c]))) as
        Record<string, unknown> | undefined;
      return Promise.resolve(row === undefined ? undefined : decodeRow(spec, row));
    },
    apply: (projection, generation, changes) => {
      for (const change of changes) applyChange(projection, generation, change);
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

  const applyChange = (projection: Projection, generation: number, change: Change): void => {
    const spec = specOf(projection, change.table);
    const table = tableName(projection.name, change.table, generation);
    if (change.op === 'delete') {
      const columns = Object.keys(change.key);
      statement(
        writer,
        `DELETE FROM ${table} WHERE ${columns.map((c) => `${identifier(c)} = ?`).join(' AND ')}`,
      ).run(...columns.map((c) => toSql(change.key[c])));
      return;
    }
    const columns = spec.columns.map((c) => c.name);
    const sql = `INSERT OR REPLACE INTO ${table} (${columns.map(identifier).join(', ')}) VALUES (${columns
      .map(() => '?')
      .join(', ')})`;
    statement(writer, sql).run(...columns.map((c) => toSql(change.row[c])));
  };

  const store: ReadModelStore = {
    dialect: 'sqlite',
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
        (spec.indexes ?? []).forEach((index, i) => {
          writer.exec(
            `CREATE INDEX IF NOT EXISTS ${table}_i${String(i)} ON ${table} (${index.map(identifier).join(', ')})`,
          );
        });
      }
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
    transaction: (work) =>
      serialised(async () => {
        writer.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(transactionApi);
          writer.exec('COMMIT');
          return result;
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
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
        statements.clear();
        return Promise.resolve();
      }),
    tableName,
    // Queries run on their own connection: a WAL snapshot of committed batches only.
    query: (sql, params = []) =>
      Promise.resolve(
        (statement(reader, sql).all(...params.map(toSql)) as Array<Record<string, unknown>>).map((row) =>
          decodeRow(undefined, row),
        ),
      ),
    close: async () => {
      await queue;
      reader.close();
      writer.close();
      if (temporary !== undefined) rmSync(temporary, { recursive: true, force: true });
    },
  };
  return store;
};
