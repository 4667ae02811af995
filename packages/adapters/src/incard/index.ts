export { createIncardProvider, publicIdOf } from './incardProvider.js';
export {
  IncardConnectionConfig,
  IncardApiKey,
  IncardUuid,
  INCARD_LIVE_URL,
  INCARD_SANDBOX_URL,
  INCARD_PAYMENT_LINK_BASE,
} from './config.js';
export type { IncardProviderConfig, IncardRuntimeOptions } from './config.js';
export {
  verifyIncardWebhook,
  incardSignature,
  INCARD_SIGNATURE_HEADER,
  INCARD_EVENT_ID_HEADER,
  INCARD_WEBHOOK_TOLERANCE_SECONDS,
} from './webhook.js';
