import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';

import { InvoiceId } from '@accrue/domain';

import { providerSyncStatus } from '../../sync/status.js';
import type { AppDeps } from '../app.js';
import { sendError } from '../errors.js';

/**
 * `GET /v1/invoices/:id/sync`: where the invoice stands at each provider it was synced to (status, the
 * provider's id and payment link, every operation with its attempts and last error). Folded from the sync
 * streams, so it is current without waiting for a read model; `providers` is empty when sync is off or the
 * invoice was never synced.
 */
export const registerSyncStatusRoutes = (app: FastifyInstance, deps: AppDeps): void => {
  app.get('/v1/invoices/:id/sync', async (request, reply) => {
    const { id } = request.params as { id?: unknown };
    const notFound = () => sendError(reply, 404, 'not_found', 'no such invoice');
    if (!InvoiceId.is(id)) return notFound();
    const view = await deps.queries.getInvoice(request.tenantId, id);
    if (view === undefined) return notFound();
    const status = await providerSyncStatus(deps.runtime.store, request.tenantId, id);
    if (E.isLeft(status))
      return sendError(reply, 503, 'store_unavailable', `cannot read the sync streams: ${status.left}`);
    return reply
      .code(200)
      .type('application/json; charset=utf-8')
      .send({ invoice_id: id, providers: status.right });
  });
};
