export { startDollrTestServer } from './dollrServer.js';
export type {
  DollrTestServer,
  DollrTestServerOptions,
  DollrStoredInvoice,
  DollrStoredItem,
  DollrStatus,
} from './dollrServer.js';
export { dollrHarness, observeDollrInvoice, DOLLR_TEST_CREDENTIALS } from './dollrHarness.js';
export type { DollrHarness, DollrHarnessOptions } from './dollrHarness.js';
export { testClock } from './testClock.js';
export type { TestClock } from './testClock.js';
