export { signStripeWebhook } from './sign.js';
export { startStripeTestServer } from './server.js';
export type {
  StripeTestServer,
  StripeTestServerOptions,
  StripeInvoiceRecord,
  StripeCustomerRecord,
  StripeLineRecord,
  StripeTaxEntry,
  StripeTaxRateRecord,
  StripeEventRecord,
  StripeEmail,
  StripeFailure,
  StripeTotals,
  StripeStatus,
} from './server.js';
export {
  createStripeHarness,
  mutableClock,
  HARNESS_SECRET_KEY,
  HARNESS_OTHER_SECRET_KEY,
  HARNESS_ACCOUNT,
  HARNESS_START,
} from './harness.js';
export type { StripeHarness, MutableClock } from './harness.js';
export { decodeForm, validateObject } from './form.js';
export type { FormValue, FormObject, ParamError, Spec, Parsed, Result } from './form.js';
