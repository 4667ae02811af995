import { createHmac } from 'node:crypto';

import { stringifyExactJson } from '../../providers/exactJson.js';

/** A webhook delivery as Corebill sends it: the exact bytes and the headers (lower-case names). */
export interface SignedCorebillWebhook {
  readonly rawBody: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Signs a payload the way Corebill does: `X-Webhook-Signature` = hex HMAC-SHA256 of the raw body with the
 * endpoint secret. Objects are written with `stringifyExactJson` (`JsonNumber`s as bare numbers); strings and
 * buffers are signed byte for byte. For tests of the webhook route and of the verifier.
 */
export const signCorebillWebhook = (payload: unknown, secret: string): SignedCorebillWebhook => {
  const rawBody = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : stringifyExactJson(payload), 'utf8');
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-webhook-signature': createHmac('sha256', secret).update(rawBody).digest('hex'),
    },
  };
};
