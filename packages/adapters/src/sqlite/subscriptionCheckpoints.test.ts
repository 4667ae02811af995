import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { subscriptionCheckpointsContract } from '../testing/subscriptionCheckpointsContract.js';
import { createSqliteEventStore } from './sqliteEventStore.js';
import { createSqliteSubscriptionCheckpoints } from './subscriptionCheckpoints.js';

subscriptionCheckpointsContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrue-subscriptions-'));
  const path = join(dir, 'events.db');
  const events = createSqliteEventStore({ path });
  const reopened: Array<ReturnType<typeof createSqliteEventStore>> = [];
  return Promise.resolve({
    checkpoints: createSqliteSubscriptionCheckpoints({ database: events.database }),
    ownsConnection: false,
    // A second event store on the same file: another process after a restart.
    reopen: () => {
      const again = createSqliteEventStore({ path });
      reopened.push(again);
      return Promise.resolve(createSqliteSubscriptionCheckpoints({ database: again.database }));
    },
    cleanup: async () => {
      for (const store of reopened) await store.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
