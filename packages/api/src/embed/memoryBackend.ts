import { createMemoryEventStore, createMemorySubscriptionCheckpoints } from '@accrue/adapters/memory';
import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';

import type { Backend } from './backend.js';

/** The memory store: the log and checkpoints in this process; read models in a temporary SQLite file. */
export const openMemoryBackend = (): Promise<Backend> => {
  const events = createMemoryEventStore();
  const readModels = createSqliteReadModelStore({ path: ':memory:' });
  const checkpoints = createMemorySubscriptionCheckpoints();
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
