export { signCorebillWebhook } from './signing.js';
export type { SignedCorebillWebhook } from './signing.js';
export { startCorebillServer } from './server.js';
export type {
  CorebillServerOptions,
  CorebillStoredInvoice,
  CorebillStoredLine,
  CorebillStoredPayment,
  CorebillTestKey,
  CorebillTestServer,
} from './server.js';
export {
  corebillHarness,
  COREBILL_COMPANY,
  COREBILL_CUSTOMER,
  COREBILL_TEST_KEY,
  COREBILL_UNKNOWN_KEY,
} from './harness.js';
export type { CorebillHarness, CorebillHarnessOptions } from './harness.js';
