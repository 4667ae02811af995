export type { SubscriptionCheckpoints } from './checkpoints.js';
export { isSubscriptionName } from './checkpoints.js';
export type {
  RunningSubscription,
  SubscriptionError,
  SubscriptionHandlerFailed,
  SubscriptionRunOptions,
  SubscriptionStart,
} from './subscribe.js';
export { runSubscription } from './subscribe.js';
