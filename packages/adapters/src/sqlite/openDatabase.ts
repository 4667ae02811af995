import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { migrations } from './migrations.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) a SQLite database for Accrue: WAL journal, `synchronous=FULL` so that a commit
 * that returned survives power loss, a busy timeout so that the CLI and the server can share the file, and
 * every pending migration applied in one transaction.
 */
export const openSqliteDatabase = (path: string): SqliteDatabase => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
};

const migrate = (db: SqliteDatabase): void => {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`);
  // IMMEDIATE takes the write lock first, so two processes opening a new file do not both migrate.
  db.transaction(() => {
    const applied = new Set(
      db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    );
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(
        migration.version,
        migration.name,
      );
    }
  }).immediate();
};
