import type { ReadModelStore } from '@accrue/projections';

import type { ReadStoreConfig } from './readStoreConfig.js';

/** Opens the read-model database; like the event stores, each adapter is imported only when chosen. */
export const openReadModels = async (config: ReadStoreConfig): Promise<ReadModelStore> => {
  switch (config._tag) {
    case 'sqlite': {
      const { createSqliteReadModelStore } = await import('@accrue/adapters/sqlite');
      return createSqliteReadModelStore({ path: config.path });
    }
    case 'postgres': {
      const { createPostgresReadModelStore } = await import('@accrue/adapters/postgres');
      return createPostgresReadModelStore({ connectionString: config.url, schema: config.schema });
    }
  }
};
