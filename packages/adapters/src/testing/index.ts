export { eventStoreContract } from './eventStoreContract.js';
export { readModelStoreContract } from './readModelStoreContract.js';
export type { OpenedCheckpoints } from './subscriptionCheckpointsContract.js';
export { subscriptionCheckpointsContract } from './subscriptionCheckpointsContract.js';
