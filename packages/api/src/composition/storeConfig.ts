import * as E from 'fp-ts/lib/Either.js';

/** Where the event log lives, from `ACCRUE_STORE`. */
export type StoreConfig =
  | { readonly _tag: 'sqlite'; readonly path: string }
  | { readonly _tag: 'postgres'; readonly url: string }
  | { readonly _tag: 'esdb'; readonly url: string };

export const DEFAULT_STORE = 'sqlite:./data/accrue.db';

/**
 * Parses `ACCRUE_STORE`: `sqlite:PATH` (default `sqlite:./data/accrue.db`; `sqlite::memory:` for a throwaway
 * store), `postgres://…` or `postgresql://…`, `esdb://…` (also `esdb+discover://…`).
 */
export const parseStoreConfig = (value: string | undefined): E.Either<string, StoreConfig> => {
  const text = (value ?? '').trim() === '' ? DEFAULT_STORE : (value ?? '').trim();
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    return path === ''
      ? E.left('ACCRUE_STORE=sqlite: needs a file path, e.g. sqlite:./data/accrue.db')
      : E.right({ _tag: 'sqlite', path });
  }
  if (text.startsWith('postgres://') || text.startsWith('postgresql://'))
    return E.right({ _tag: 'postgres', url: text });
  if (text.startsWith('esdb://') || text.startsWith('esdb+discover://'))
    return E.right({ _tag: 'esdb', url: text });
  return E.left(`ACCRUE_STORE must be sqlite:PATH, postgres://… or esdb://… (got "${redact(text)}")`);
};

/** Never echo credentials from a connection string. */
export const redact = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');

export const describeStore = (config: StoreConfig): string =>
  config._tag === 'sqlite' ? `sqlite:${config.path}` : redact(config.url);
