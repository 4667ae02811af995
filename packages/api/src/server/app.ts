import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import * as E from 'fp-ts/lib/Either.js';

import type { ProjectionRunner, ReadModelQueries, ReadModelStore } from '@accrue/projections';

import type { Runtime } from '../composition/container.js';
import type { ApiKeyRing } from './apiKeys.js';
import { BadBody, registerStrictJsonParser } from './jsonBody.js';
import { errorBody, sendError } from './errors.js';
import { registerGraphql } from './graphql/index.js';
import { registerRestRoutes } from './rest/index.js';
import type { ServerConfig } from './serverConfig.js';
import type { ProviderSync } from '../sync/index.js';
import { isWebhookPath, registerProviderRoutes } from './webhooks/index.js';

/** Everything the HTTP layer needs, resolved once at start-up by the composition root. */
export interface AppDeps {
  readonly runtime: Runtime;
  readonly readModels: ReadModelStore;
  readonly runner: ProjectionRunner;
  readonly queries: ReadModelQueries;
  readonly apiKeys: ApiKeyRing;
  readonly config: ServerConfig;
  /** The provider sync process manager, when `ACCRUE_PROVIDERS` configures one (webhooks answer 404 without). */
  readonly sync?: ProviderSync;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of the request's API key; set by the auth hook on every route but the public ones. */
    tenantId: string;
  }
}

/** Routes anyone may call: health, the OpenAPI document and the docs UI, GraphiQL's static page. */
const isPublic = (url: string): boolean =>
  url === '/healthz' ||
  url === '/readyz' ||
  url === '/openapi.json' ||
  url === '/docs' ||
  url.startsWith('/docs/') ||
  url === '/graphiql' ||
  url.startsWith('/graphiql/') ||
  isWebhookPath(url);

const bearer = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
};

/**
 * The HTTP server: structured logs with request ids (never a secret: the Authorization header and API keys are
 * redacted), API-key authentication mapping each key to its tenant, one error envelope for every failure,
 * health and readiness probes, the REST command API and the GraphQL read API.
 */
export const buildApp = async (deps: AppDeps): Promise<FastifyInstance> => {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.apiKey', '*.api_key'],
        censor: '[redacted]',
      },
    },
    bodyLimit: deps.config.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Finish in-flight requests on close, but do not wait for idle keep-alive connections.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.decorateRequest('tenantId', '');
  registerStrictJsonParser(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const path = request.url.split('?')[0] ?? '';
    if (isPublic(path)) return;
    const key = bearer(request);
    const tenant = key === undefined ? undefined : deps.apiKeys.tenantOf(key);
    if (tenant === undefined) {
      await sendError(
        reply,
        401,
        key === undefined ? 'unauthenticated' : 'invalid_api_key',
        'an API key is required: Authorization: Bearer KEY',
      );
      return reply;
    }
    request.tenantId = tenant;
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`),
  );

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return sendError(
        reply,
        413,
        'payload_too_large',
        `the body is larger than ${String(deps.config.bodyLimit)} bytes`,
      );
    if (error instanceof BadBody) {
      return sendError(reply, 400, 'bad_request', error.message, [
        { path: error.path, message: error.message },
      ]);
    }
    if (status >= 400 && status < 500) {
      // Fastify's own refusals of malformed input (bad JSON, wrong content type…): never a 500 for bad input.
      return sendError(
        reply,
        status,
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request',
        error.message,
      );
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply
      .code(500)
      .send(
        errorBody(
          'internal_error',
          'an unexpected error occurred; quote the request id to support',
          [],
          request.id,
        ),
      );
  });

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const log = await deps.runtime.store.readAll({ maxCount: 1 })();
    const position = deps.runner.position();
    if (E.isLeft(log)) return reply.code(503).send({ status: 'unavailable', store: log.left._tag });
    return { status: 'ready', read_models_position: position === undefined ? null : position.toString() };
  });

  await registerRestRoutes(app, deps);
  await registerProviderRoutes(app, deps);
  await registerGraphql(app, deps);
  return app;
};
