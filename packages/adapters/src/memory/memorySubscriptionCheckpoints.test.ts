import { subscriptionCheckpointsContract } from '../testing/subscriptionCheckpointsContract.js';
import { createMemorySubscriptionCheckpoints } from './memorySubscriptionCheckpoints.js';

subscriptionCheckpointsContract('memory', () =>
  Promise.resolve({ checkpoints: createMemorySubscriptionCheckpoints(), ownsConnection: true }),
);
