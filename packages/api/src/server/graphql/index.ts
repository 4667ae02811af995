import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MercuriusContext } from 'mercurius';
import mercurius from 'mercurius';

import type { AppDeps } from '../app.js';
import { createInvoiceChangeFeed } from './changeFeed.js';
import { ClientError, formatErrors } from './errors.js';
import { createFastQuery } from './fastQuery.js';
import { enforceLimits } from './limits.js';
import { createResolvers, invoiceTopic } from './resolvers.js';
import { schema } from './schema.js';

/** The request header that asks for read-your-writes: the log position the client's last write reached. */
export const MIN_POSITION_HEADER = 'x-accrue-min-position';
/** The longest a query waits for the read models to reach the position asked for. */
export const MAX_POSITION_WAIT_MS = 5_000;

const minPositionOf = (request: FastifyRequest): bigint | undefined => {
  const header = request.headers[MIN_POSITION_HEADER];
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^[0-9]{1,30}$/.test(text.trim()))
    throw new ClientError(
      `${MIN_POSITION_HEADER} must be a log position (a whole number)`,
      'BAD_USER_INPUT',
      400,
    );
  return BigInt(text.trim());
};

/**
 * The GraphQL read API at `/graphql` (queries over GET or POST, the `invoiceChanged` subscription over
 * WebSocket), GraphiQL at `/graphiql`. Every answer carries `extensions.position`: the log position the read
 * models had reached when the query started (the answer is at least that fresh). A client that just wrote at
 * position p sends `x-accrue-min-position: p` and the query waits (at most 5 s) until the read models have it.
 * Queries deeper than 10 levels or costlier than 10,000 (see `limits.ts`) are refused before they run.
 */
export const registerGraphql = async (app: FastifyInstance, deps: AppDeps): Promise<void> => {
  const feed = createInvoiceChangeFeed({
    store: deps.runtime.store,
    runner: deps.runner,
    publish: (change) => {
      app.graphql.pubsub.publish({
        topic: invoiceTopic(change.tenantId),
        payload: { invoiceChanged: change },
      });
    },
    onError: (error) => {
      app.log.error({ err: error }, 'graphql: invoice change feed');
    },
  });

  // The hot path of POST /graphql wraps mercurius's own handler (which answers whatever it declines).
  const fastQuery = createFastQuery({
    schema: () => app.graphql.schema,
    // Read-your-writes requests take the full pipeline, which waits and explains a timeout.
    position: (request) =>
      Promise.resolve(
        request.headers[MIN_POSITION_HEADER] === undefined ? { position: deps.runner.position() } : undefined,
      ),
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== '/graphql' || !methods.includes('POST')) return;
    const fullPipeline = route.handler;
    route.handler = async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      if (await fastQuery(request, reply)) return reply;
      return fullPipeline.call(this, request, reply);
    };
  });

  await app.register(mercurius, {
    schema,
    resolvers: createResolvers(deps, feed.start),
    path: '/graphql',
    graphiql: true,
    jit: 1,
    // The auth hook has set the tenant for every non-public route: /graphql is not public.
    context: (request: FastifyRequest) => ({ tenantId: request.tenantId }),
    subscription: {
      context: (_socket: unknown, request: FastifyRequest) => ({ tenantId: request.tenantId }),
    },
    errorFormatter: (execution, context) => formatErrors(execution, context.reply.log),
  });

  app.graphql.addHook('preExecution', async (schemaNow, document, context: MercuriusContext, variables) => {
    enforceLimits(schemaNow, document, variables);
    const wanted = minPositionOf(context.reply.request);
    if (wanted !== undefined && !(await deps.runner.waitFor(wanted, MAX_POSITION_WAIT_MS))) {
      const reached = deps.runner.position();
      throw new ClientError(
        `the read models have not reached position ${wanted.toString()} within ${String(MAX_POSITION_WAIT_MS)} ms; try again`,
        'READ_MODEL_BEHIND',
        503,
        { minPosition: wanted.toString(), position: reached === undefined ? null : reached.toString() },
      );
    }
    context.position = deps.runner.position();
  });
  app.graphql.addHook('preSubscriptionExecution', (schemaNow, document, _context) => {
    enforceLimits(schemaNow, document, undefined);
  });
  app.graphql.addHook('onResolution', (execution, context: MercuriusContext) => {
    const position = context.position;
    execution.extensions = {
      ...execution.extensions,
      position: position === undefined ? null : position.toString(),
    };
  });
  // A refused WebSocket upgrade (no or a wrong API key) is answered over the raw socket, which no HTTP server
  // tracks any more: end it, or it stays open and `close()` waits for it for ever.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 400 && request.headers.upgrade?.toLowerCase() === 'websocket')
      request.raw.socket.destroy();
  });
  app.addHook('onClose', () => feed.stop());
};
