export { createEsdbEventStore } from './esdbEventStore.js';
export type { EsdbEventStoreOptions } from './esdbEventStore.js';
export {
  ACCRUE_EVENT_ID_NAMESPACE,
  ORIGINAL_EVENT_ID_KEY,
  deriveEventUuid,
  isCanonicalUuid,
} from './eventIds.js';
