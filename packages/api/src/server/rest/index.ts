import type { FastifyInstance } from 'fastify';

import type { AppDeps } from '../app.js';

/** The REST command API under `/v1` (see the modules beside this one). */
export const registerRestRoutes = async (_app: FastifyInstance, _deps: AppDeps): Promise<void> => {
  // Filled in by the REST work: invoices, commands, events, UBL, OpenAPI.
};
