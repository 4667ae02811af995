import type { EventStore } from '@accrue/domain';

import type { StoreConfig } from './storeConfig.js';

/**
 * Opens the configured store. Each adapter is imported only when chosen, so running on SQLite never loads the
 * PostgreSQL or EventStoreDB drivers (and their native or gRPC dependencies).
 */
export const openEventStore = async (config: StoreConfig): Promise<EventStore> => {
  switch (config._tag) {
    case 'sqlite': {
      const { createSqliteEventStore } = await import('@accrue/adapters/sqlite');
      return createSqliteEventStore({ path: config.path });
    }
    case 'postgres': {
      const { createPostgresEventStore } = await import('@accrue/adapters/postgres');
      return createPostgresEventStore({ connectionString: config.url });
    }
    case 'esdb': {
      const { createEsdbEventStore } = await import('@accrue/adapters/esdb');
      return createEsdbEventStore({ connectionString: config.url });
    }
  }
};
