import type { FastifyInstance, FastifyReply } from 'fastify';

import type { ProviderSync, WebhookOutcome } from '../../sync/index.js';
import { sendError } from '../errors.js';

/** Webhook bodies are signed as sent: nothing larger than this is a provider's notification. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const headersOf = (
  raw: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | undefined> => {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw))
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
};

const answer = (reply: FastifyReply, outcome: WebhookOutcome): FastifyReply => {
  const json = (status: number, body: unknown) =>
    reply.code(status).type('application/json; charset=utf-8').send(body);
  switch (outcome._tag) {
    case 'UnknownProvider':
      return sendError(reply, 404, 'unknown_provider', `no webhooks for provider "${outcome.provider}"`);
    case 'NotConfigured':
      return sendError(
        reply,
        404,
        'provider_not_configured',
        `no ${outcome.provider} connection takes webhooks`,
      );
    case 'Rejected':
      return outcome.reason === 'malformed'
        ? sendError(reply, 400, 'webhook_malformed', outcome.message)
        : sendError(
            reply,
            401,
            outcome.reason === 'stale'
              ? 'webhook_stale'
              : outcome.reason === 'missing_signature'
                ? 'webhook_signature_missing'
                : 'webhook_signature_invalid',
            outcome.message,
          );
    case 'Ignored':
      return json(200, { status: 'ignored', reason: outcome.reason });
    case 'Recorded':
      return json(200, {
        status: outcome.duplicate ? 'duplicate' : 'recorded',
        kind: outcome.kind,
        invoice_id: outcome.invoiceId,
      });
    case 'Refused':
      return json(200, { status: 'refused', code: outcome.code, invoice_id: outcome.invoiceId });
    case 'Unavailable':
      return sendError(
        reply,
        503,
        'store_unavailable',
        'the event store is unavailable; deliver again later',
      );
  }
};

/**
 * `POST /v1/webhooks/:provider`: signed provider notifications. No API key (the signature over the raw body
 * authenticates, and names the tenant whose secret verifies it). The body is kept as the exact bytes received,
 * by a content-type parser of this route's scope only: every other route keeps the strict JSON parser.
 * 2xx: recorded, duplicate (redelivery), ignored or refused by an invoice rule (the provider need not deliver
 * again); 400/401: malformed, forged or stale (nothing changed); 404: unknown or unconfigured provider.
 */
export const registerWebhookRoutes = async (
  app: FastifyInstance,
  sync: ProviderSync | undefined,
): Promise<void> => {
  await app.register((scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });
    scope.post('/v1/webhooks/:provider', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
      const { provider } = request.params as { provider: string };
      if (sync === undefined)
        return sendError(
          reply,
          404,
          'provider_not_configured',
          'provider sync is not configured (ACCRUE_PROVIDERS)',
        );
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await sync.handleWebhook({ provider, rawBody, headers: headersOf(request.headers) });
      return answer(reply, outcome);
    });
    return Promise.resolve();
  });
};
