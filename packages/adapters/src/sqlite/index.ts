export type { SqliteEventStore, SqliteEventStoreOptions, SqliteEventStoreStats } from './sqliteEventStore.js';
export { createSqliteEventStore } from './sqliteEventStore.js';
export type { SqliteDatabase } from './openDatabase.js';
export { openSqliteDatabase } from './openDatabase.js';
export type { SqliteReadModelStoreOptions } from './readModelStore.js';
export { createSqliteReadModelStore } from './readModelStore.js';
export type { SqliteSubscriptionCheckpointsOptions } from './subscriptionCheckpoints.js';
export { createSqliteSubscriptionCheckpoints } from './subscriptionCheckpoints.js';
