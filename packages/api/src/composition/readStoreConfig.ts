import { basename, dirname, extname, join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';

import type { StoreConfig } from './storeConfig.js';
import { redact } from './storeConfig.js';

/** Where the read models live, from `ACCRUE_READ_STORE`, defaulting beside the event store. */
export type ReadStoreConfig =
  | { readonly _tag: 'sqlite'; readonly path: string }
  | { readonly _tag: 'postgres'; readonly url: string; readonly schema: string };

/**
 * `ACCRUE_READ_STORE`: `sqlite:PATH` or `postgres://…`. Without it: for a SQLite log, a SQLite file beside it
 * (`./data/accrue.db` → `./data/accrue-read.db`), so projections never contend with appends for the log's
 * single writer; for PostgreSQL, the same database in schema `accrue_read`; for EventStoreDB, which has no
 * tables, `sqlite:./data/accrue-read.db`.
 */
export const parseReadStoreConfig = (
  value: string | undefined,
  events: StoreConfig,
): E.Either<string, ReadStoreConfig> => {
  const text = (value ?? '').trim();
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    return path === ''
      ? E.left('ACCRUE_READ_STORE=sqlite: needs a file path')
      : E.right({ _tag: 'sqlite', path });
  }
  if (text.startsWith('postgres://') || text.startsWith('postgresql://')) {
    return E.right({ _tag: 'postgres', url: text, schema: 'accrue_read' });
  }
  if (text !== '')
    return E.left(`ACCRUE_READ_STORE must be sqlite:PATH or postgres://… (got "${redact(text)}")`);
  switch (events._tag) {
    case 'sqlite':
      return E.right({ _tag: 'sqlite', path: beside(events.path) });
    case 'postgres':
      return E.right({ _tag: 'postgres', url: events.url, schema: 'accrue_read' });
    case 'esdb':
      return E.right({ _tag: 'sqlite', path: './data/accrue-read.db' });
  }
};

const beside = (path: string): string => {
  if (path === ':memory:') return ':memory:';
  const extension = extname(path);
  return join(dirname(path), `${basename(path, extension)}-read${extension === '' ? '.db' : extension}`);
};
