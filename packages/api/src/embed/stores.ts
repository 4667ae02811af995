import type { Backend } from './backend.js';

/** Events, read models and checkpoints in this process only: for tests and trials. */
export interface MemoryStore {
  readonly kind: 'memory';
}

/** The embedded default: one SQLite file for the log, one beside it for the read models. */
export interface SqliteStore {
  readonly kind: 'sqlite';
  /** The log's file, created with its folder if missing (e.g. `./data/accrue.db`). */
  readonly path: string;
  /** The read models' file (default: beside the log, `accrue.db` → `accrue-read.db`). */
  readonly readPath?: string;
}

/** PostgreSQL, usually the ERP's own database: the store that can join the ERP's transactions. */
export interface PostgresStore {
  readonly kind: 'postgres';
  /** e.g. `postgres://erp@db:5432/erp`. */
  readonly connectionString: string;
  /** The schema of the log and subscription checkpoints (default `public`), migrated at start. */
  readonly schema?: string;
  /** The schema of the read models (default `accrue_read` beside `public`, otherwise `<schema>_read`). */
  readonly readSchema?: string;
  /** Connections for reads (default 8); appends, read models and checkpoints have their own. */
  readonly poolSize?: number;
}

/** Where Accrue keeps its data. Build one with `memoryStore`, `sqliteStore` or `postgresStore`. */
export type AccrueStore = MemoryStore | SqliteStore | PostgresStore;

/** Events, read models and checkpoints in this process only (read models in a temporary file). */
export const memoryStore = (): MemoryStore => ({ kind: 'memory' });

/** The embedded SQLite store at `path`; read models beside it unless `readPath` is given. */
export const sqliteStore = (path: string, options: { readonly readPath?: string } = {}): SqliteStore => ({
  kind: 'sqlite',
  path,
  ...(options.readPath === undefined ? {} : { readPath: options.readPath }),
});

/** A PostgreSQL store; pass the same database the ERP uses to share its transactions. */
export const postgresStore = (options: Omit<PostgresStore, 'kind'>): PostgresStore => ({
  kind: 'postgres',
  ...options,
});

const defaultReadSchema = (schema: string): string =>
  schema === 'public' ? 'accrue_read' : `${schema}_read`;

/**
 * Opens a store's backend. Each adapter module is imported only when chosen, so a SQLite embedder never loads
 * `pg` and a PostgreSQL one never loads the SQLite driver for its log.
 */
export const openBackend = async (store: AccrueStore): Promise<Backend> => {
  switch (store.kind) {
    case 'memory': {
      const { openMemoryBackend } = await import('./memoryBackend.js');
      return openMemoryBackend();
    }
    case 'sqlite': {
      const { openSqliteBackend } = await import('./sqliteBackend.js');
      return openSqliteBackend(store.path, store.readPath);
    }
    case 'postgres': {
      const { openPostgresBackend } = await import('./postgresBackend.js');
      const schema = store.schema ?? 'public';
      return openPostgresBackend({
        connectionString: store.connectionString,
        schema,
        readSchema: store.readSchema ?? defaultReadSchema(schema),
        ...(store.poolSize === undefined ? {} : { poolSize: store.poolSize }),
      });
    }
  }
};
