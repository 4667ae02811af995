export { createMemoryEventStore } from './memoryEventStore.js';
export { createMemorySubscriptionCheckpoints } from './memorySubscriptionCheckpoints.js';
