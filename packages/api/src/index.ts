export type { Runtime } from './composition/container.js';
export { ConfigurationError, createRuntime, nativeSha256 } from './composition/container.js';
export type { StoreConfig } from './composition/storeConfig.js';
export { DEFAULT_STORE, describeStore, parseStoreConfig } from './composition/storeConfig.js';
export { openEventStore } from './composition/openEventStore.js';
export { Tokens } from './composition/tokens.js';
export type { Clock, IdGenerator } from './composition/tokens.js';
