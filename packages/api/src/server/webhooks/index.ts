import type { FastifyInstance } from 'fastify';

import type { AppDeps } from '../app.js';
import { registerSyncStatusRoutes } from './syncStatusRoutes.js';
import { registerWebhookRoutes } from './webhookRoutes.js';

export { WEBHOOK_BODY_LIMIT } from './webhookRoutes.js';

/** The provider routes: inbound webhooks (public, signed) and the sync status of an invoice (API key). */
export const registerProviderRoutes = async (app: FastifyInstance, deps: AppDeps): Promise<void> => {
  await registerWebhookRoutes(app, deps.sync);
  registerSyncStatusRoutes(app, deps);
};

/** Webhooks authenticate by signature, not by API key. */
export const isWebhookPath = (path: string): boolean => path.startsWith('/v1/webhooks/');
