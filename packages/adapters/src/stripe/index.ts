export { createStripeProvider, STRIPE_API_VERSION, stepKey } from './provider.js';
export type { StripeProviderConfig } from './provider.js';
export {
  StripeConnectionConfig,
  decodeStripeConnectionConfig,
  STRIPE_API_URL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
} from './config.js';
export {
  createStripeWebhookVerifier,
  verifyStripeWebhook,
  stripeSignature,
  parseSignatureHeader,
} from './webhook.js';
export type { StripeWebhookOptions, StripeSignatureHeader } from './webhook.js';
export { planIssue, STRIPE_METADATA, MAX_NUMBER_LENGTH, MAX_LINES, LINES_PER_BATCH } from './mapping.js';
export type { StripeIssuePlan, StripeCustomerPlan } from './mapping.js';
export { toStripeUnits, fromStripeUnits, stripeExponent, stripeCurrency } from './currency.js';
export type { StripeAmountRefused } from './currency.js';
export { fromStripeError, scrubSecrets } from './errors.js';
