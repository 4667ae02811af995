import * as E from 'fp-ts/lib/Either.js';

import {
  createSqliteEventStore,
  createSqliteReadModelStore,
  createSqliteSubscriptionCheckpoints,
} from '@accrue/adapters/sqlite';

import { parseReadStoreConfig } from '../composition/readStoreConfig.js';
import type { Backend } from './backend.js';

/**
 * The embedded SQLite store: the log (and subscription checkpoints) in `path`, the read models in their own file
 * beside it (`accrue.db` → `accrue-read.db`, as the server does) unless `readPath` says otherwise.
 */
export const openSqliteBackend = (path: string, readPath: string | undefined): Promise<Backend> => {
  const beside = parseReadStoreConfig(undefined, { _tag: 'sqlite', path });
  const readModelPath =
    readPath ?? (E.isRight(beside) && beside.right._tag === 'sqlite' ? beside.right.path : `${path}-read`);
  const events = createSqliteEventStore({ path });
  const readModels = createSqliteReadModelStore({ path: readModelPath });
  const checkpoints = createSqliteSubscriptionCheckpoints({ database: events.database });
  return Promise.resolve({
    events,
    readModels,
    checkpoints,
    transactions: undefined,
    close: async () => {
      await checkpoints.close();
      await readModels.close();
      await events.close();
    },
  });
};
