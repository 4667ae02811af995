export { eventStoreContract } from './eventStoreContract.js';
