export { createMemoryEventStore } from './memoryEventStore.js';
