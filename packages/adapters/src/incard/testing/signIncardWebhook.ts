import { INCARD_EVENT_ID_HEADER, INCARD_SIGNATURE_HEADER, incardSignature } from '../webhook.js';

/**
 * Signs a webhook body the way `verifyIncardWebhook` expects Incard to (the scheme is our documented guess,
 * ADR 13): `X-Incard-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, plus
 * `X-Incard-Event-Id`. For tests of the webhook route; header names are lower-case.
 */
export const signIncardWebhook = (input: {
  readonly rawBody: Buffer | string;
  readonly secret: string;
  readonly timestamp: Date;
  readonly eventId?: string;
}): Record<string, string> => {
  const body = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody) : input.rawBody;
  const t = Math.floor(input.timestamp.getTime() / 1000);
  return {
    'content-type': 'application/json',
    [INCARD_SIGNATURE_HEADER]: `t=${t},v1=${incardSignature(input.secret, t, body)}`,
    ...(input.eventId === undefined ? {} : { [INCARD_EVENT_ID_HEADER]: input.eventId }),
  };
};
