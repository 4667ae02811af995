export { eventStoreContract } from './eventStoreContract.js';
export { readModelStoreContract } from './readModelStoreContract.js';
