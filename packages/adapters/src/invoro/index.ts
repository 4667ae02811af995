export { createInvoroProvider, invoroInvoiceNumber } from './provider.js';
export {
  InvoroApiKey,
  InvoroConnectionConfig,
  InvoroPaymentMeans,
  InvoroSeller,
  InvoroUuid,
  INVORO_LIVE_URL,
  isTestKey,
} from './config.js';
export type { InvoroProviderConfig, InvoroRuntimeOptions } from './config.js';
export {
  fromInvoroCents,
  invoroDateTime,
  invoroLinePrice,
  toInvoroCents,
  toInvoroCreateBody,
} from './mapping.js';
export type { InvoroCreateBody, InvoroItem } from './mapping.js';
export { createInvoroWebhookVerifier, InvoroWebhookPayload, verifyInvoroWebhook } from './webhook.js';
export type { InvoroWebhookOptions } from './webhook.js';
export { InvoroInvoice } from './codecs.js';
