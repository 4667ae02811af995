export type { AppendInTransactionOptions } from './appendInTransaction.js';
export { appendInTransaction } from './appendInTransaction.js';
export type { GroupCommitLimits, GroupCommitStats } from './groupCommit.js';
export { migrateWithin } from './migrate.js';
export type { Migration } from './migrations/index.js';
export { migrations } from './migrations/index.js';
export type { PostgresEventStore, PostgresEventStoreOptions } from './postgresEventStore.js';
export { createPostgresEventStore } from './postgresEventStore.js';
export { readAllWithin } from './readAllWithin.js';
export { readStreamWithin } from './readStreamWithin.js';
export type { Queryable } from './queryable.js';
export { SchemaName } from './schemaName.js';
export type {
  PostgresReadModelStore,
  PostgresReadModelStoreOptions,
  ReadModelTransactionWithinOptions,
} from './readModels/index.js';
export {
  activateWithin,
  applyChangesWithin,
  createPostgresReadModelStore,
  ensureReadModelStateWithin,
  lockReadModelAppliesWithin,
  prepareReadModelWithin,
  readCheckpointWithin,
  readModelTableName,
  readModelTransactionWithin,
  readModelTypes,
  readRowWithin,
  readStatusesWithin,
  setCheckpointWithin,
} from './readModels/index.js';
export type { PostgresSubscriptionCheckpointsOptions } from './subscriptionCheckpoints.js';
export {
  createPostgresSubscriptionCheckpoints,
  ensureSubscriptionCheckpointsWithin,
  loadSubscriptionCheckpointWithin,
  saveSubscriptionCheckpointWithin,
} from './subscriptionCheckpoints.js';
