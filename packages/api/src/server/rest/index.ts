import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

import type { AppDeps } from '../app.js';
import { createIdempotencyStore } from './idempotency.js';
import { registerInvoiceRoutes } from './invoiceRoutes.js';
import { openApiDocument } from './openapi.js';

/**
 * The REST command API under `/v1`, its OpenAPI 3.1 document at `/openapi.json` (generated from the request
 * specs that decode the bodies) and the docs UI at `/docs`.
 */
export const registerRestRoutes = async (app: FastifyInstance, deps: AppDeps): Promise<void> => {
  const document = openApiDocument();
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => document);
  registerInvoiceRoutes(app, deps, await createIdempotencyStore(deps.readModels));
};
