import { createHmac } from 'node:crypto';

import { stringifyExactJson } from '../../providers/exactJson.js';

/** A webhook delivery as Invoro sends it: the exact bytes and the headers (lower-case names). */
export interface SignedInvoroWebhook {
  readonly rawBody: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Signs a payload the way Invoro does: `X-Signature-SHA256: sha256=<hex HMAC-SHA256 of the raw body>`, plus
 * `X-Webhook-Event`. Objects are written with `stringifyExactJson` (JSON numbers as given, bigints as integers);
 * strings and buffers are signed byte for byte. For tests of the webhook route and of the verifier.
 */
export const signInvoroWebhook = (
  payload: unknown,
  secret: string,
  options: { readonly event?: string } = {},
): SignedInvoroWebhook => {
  const rawBody = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : stringifyExactJson(payload), 'utf8');
  const signature = createHmac('sha256', secret).update(rawBody).digest('hex');
  const bodyEvent =
    typeof payload === 'object' && payload !== null && !Buffer.isBuffer(payload)
      ? (payload as { event?: unknown }).event
      : undefined;
  const event = options.event ?? (typeof bodyEvent === 'string' ? bodyEvent : undefined);
  return {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'x-signature-sha256': `sha256=${signature}`,
      ...(event === undefined ? {} : { 'x-webhook-event': event }),
    },
  };
};
