import { createHmac } from 'node:crypto';

/**
 * The `Stripe-Signature` header Stripe would send for `payload`: `t=<timestamp>,v1=<hex HMAC-SHA256(secret,
 * "<timestamp>.<payload>")>`. For tests of webhook routes; `timestamp` is unix seconds (inject it, never read
 * the clock here). Written independently of the verifier so a test signs the way Stripe does, not the way
 * our verifier happens to check.
 */
export const signStripeWebhook = (payload: Buffer | string, secret: string, timestamp: number): string => {
  const mac = createHmac('sha256', secret);
  mac.update(Buffer.from(`${timestamp}.`, 'utf8'));
  mac.update(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
  return `t=${timestamp},v1=${mac.digest('hex')}`;
};
