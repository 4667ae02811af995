export { signInvoroWebhook } from './signing.js';
export type { SignedInvoroWebhook } from './signing.js';
export { startInvoroServer } from './server.js';
export type { InvoroServerOptions, InvoroStoredInvoice, InvoroTestKey, InvoroTestServer } from './server.js';
export { invoroHarness, INVORO_BUSINESS_ENTITY, INVORO_TEST_KEY, INVORO_UNKNOWN_KEY } from './harness.js';
export type { InvoroHarness, InvoroHarnessOptions } from './harness.js';
