export { startIncardTestServer, paymentLink } from './incardServer.js';
export type {
  IncardTestServer,
  IncardTestServerOptions,
  IncardStoredInvoice,
  IncardStoredLine,
  IncardWebhookDelivery,
} from './incardServer.js';
export { incardHarness, observeIncardInvoice, INCARD_TEST_IDS } from './incardHarness.js';
export type { IncardHarness, IncardHarnessOptions } from './incardHarness.js';
export { signIncardWebhook } from './signIncardWebhook.js';
export { testClock } from './testClock.js';
export type { TestClock } from './testClock.js';
