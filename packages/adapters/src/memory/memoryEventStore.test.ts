import { eventStoreContract } from '../testing/eventStoreContract.js';
import { createMemoryEventStore } from './memoryEventStore.js';

eventStoreContract('memory', () => Promise.resolve(createMemoryEventStore()));
