export { createCorebillProvider, corebillInvoiceReference } from './provider.js';
export {
  CorebillApiKey,
  CorebillCompanyId,
  CorebillConnectionConfig,
  CorebillCustomerId,
  CorebillTaxMapping,
  COREBILL_LIVE_URL,
} from './config.js';
export type { CorebillProviderConfig, CorebillRuntimeOptions } from './config.js';
export {
  ACCRUE_PAYMENT_REFERENCE_PREFIX,
  corebillAmount,
  corebillPaymentReference,
  corebillReferenceLine,
  fromCorebillAmount,
  planCorebillInvoice,
} from './mapping.js';
export type { CorebillCreateBody, CorebillCreatePlan, CorebillLineItem } from './mapping.js';
export { createCorebillWebhookVerifier, CorebillWebhookPayload, verifyCorebillWebhook } from './webhook.js';
export type { CorebillWebhookOptions } from './webhook.js';
export { CorebillInvoice } from './codecs.js';
