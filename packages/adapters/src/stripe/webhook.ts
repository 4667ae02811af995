import { createHmac, timingSafeEqual } from 'node:crypto';

import { CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { ProviderNotification, WebhookRejected, WebhookVerifier } from '../providers/port.js';
import { webhookRejected } from '../providers/port.js';
import { decode } from './codecs.js';
import { DEFAULT_WEBHOOK_TOLERANCE_SECONDS } from './config.js';
import { fromStripeUnits } from './currency.js';
import { STRIPE_METADATA } from './mapping.js';

/**
 * Stripe's webhook signature (docs.stripe.com/webhooks, "Verify manually"; stripe-node `Webhooks.js`):
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…][,v0=…]`. Several
 * `v1` appear while a secret is being rolled; one match suffices; `v0` (test-mode legacy scheme) is ignored.
 *
 * We implement the scheme rather than call `stripe.webhooks.constructEvent` (which does take `receivedAt` and
 * `tolerance` in stripe-node 23) so that the refusal reasons stay typed (`missing_signature`,
 * `bad_signature`, `stale`) and the event is decoded by our codecs. Unlike the SDK, which only refuses
 * timestamps older than the tolerance, we also refuse ones further than the tolerance in the future.
 */

const HEX_SHA256 = /^[0-9a-f]{64}$/;

const StripeEvent = t.type({
  id: t.string,
  object: t.literal('event'),
  type: t.string,
  created: t.Int,
  data: t.type({ object: t.unknown }),
});

const PaidInvoice = t.type({
  id: t.string,
  object: t.literal('invoice'),
  currency: t.string,
  amount_paid: t.Int,
  metadata: t.union([t.record(t.string, t.string), t.null]),
  status_transitions: t.type({ paid_at: t.union([t.Int, t.null]) }),
});

const SentInvoice = t.type({ id: t.string, object: t.literal('invoice') });

const isoFromUnix = (seconds: number): string => new Date(seconds * 1000).toISOString();

export interface StripeSignatureHeader {
  readonly timestamp: number;
  readonly signatures: ReadonlyArray<string>;
}

export const parseSignatureHeader = (header: string): StripeSignatureHeader | undefined => {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const name = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (name === 'v1') signatures.push(value.toLowerCase());
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
};

/** Hex HMAC-SHA256 of `"<timestamp>.<raw body>"`: what Stripe puts in `v1`. */
export const stripeSignature = (rawBody: Buffer | string, secret: string, timestamp: number): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');

const mapEvent = (event: t.TypeOf<typeof StripeEvent>): E.Either<WebhookRejected, ProviderNotification> => {
  const malformed = (why: string) =>
    webhookRejected('stripe', 'malformed', `${event.type} ${event.id}: ${why}`);
  switch (event.type) {
    case 'invoice.paid': {
      const invoice = decode(PaidInvoice, event.data.object);
      if (E.isLeft(invoice)) return E.left(malformed(invoice.left));
      const {
        id,
        currency,
        amount_paid: amountPaid,
        metadata,
        status_transitions: transitions,
      } = invoice.right;
      // Paid out of band by the adapter, mirroring a payment Accrue already holds: reporting it back would
      // count that payment twice.
      if (metadata?.[STRIPE_METADATA.paymentId] !== undefined) {
        return E.right({ _tag: 'Ignored', eventId: event.id, eventType: event.type });
      }
      if (!Number.isSafeInteger(amountPaid)) return E.left(malformed('amount_paid beyond 2^53'));
      const code = currency.toUpperCase();
      if (!CurrencyCode.is(code)) return E.left(malformed(`unknown currency ${currency}`));
      const amount = fromStripeUnits(BigInt(amountPaid), code);
      if (E.isLeft(amount)) return E.left(malformed(amount.left.message));
      // A zero-total invoice is "paid" on finalization; no money moved.
      if (amount.right <= 0n) return E.right({ _tag: 'Ignored', eventId: event.id, eventType: event.type });
      return E.right({
        _tag: 'PaymentReceived',
        eventId: event.id,
        externalId: id,
        amount: amount.right,
        currency: code,
        paidAt: isoFromUnix(transitions.paid_at ?? event.created),
      });
    }
    case 'invoice.sent': {
      // "Occurs whenever an invoice email is sent out": the one Stripe event that means the customer was sent
      // the invoice. `invoice.finalized` only means it became payable.
      const invoice = decode(SentInvoice, event.data.object);
      if (E.isLeft(invoice)) return E.left(malformed(invoice.left));
      return E.right({
        _tag: 'Delivered',
        eventId: event.id,
        externalId: invoice.right.id,
        channel: 'email',
        deliveredAt: isoFromUnix(event.created),
      });
    }
    default:
      return E.right({ _tag: 'Ignored', eventId: event.id, eventType: event.type });
  }
};

export interface StripeWebhookOptions {
  /** Seconds a signature timestamp may differ from `now`; default 300 (Stripe's). */
  readonly toleranceSeconds?: number;
}

/**
 * A `WebhookVerifier` for Stripe: the `stripe-signature` header checked over the raw body with a constant-time
 * comparison, then the timestamp against the injected `now` (± tolerance), then the event decoded.
 * `invoice.paid` → `PaymentReceived` (unless the adapter itself marked it paid out of band), `invoice.sent` →
 * `Delivered` by email, every other event → `Ignored`.
 */
export const createStripeWebhookVerifier =
  (options: StripeWebhookOptions = {}): WebhookVerifier =>
  ({ rawBody, headers, secret, now }) => {
    const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
    const header = headers['stripe-signature'];
    if (header === undefined || header.trim() === '') {
      return E.left(webhookRejected('stripe', 'missing_signature', 'no Stripe-Signature header'));
    }
    if (secret === '')
      return E.left(webhookRejected('stripe', 'bad_signature', 'no webhook secret configured'));
    const parsed = parseSignatureHeader(header);
    if (parsed === undefined) {
      return E.left(
        webhookRejected('stripe', 'bad_signature', 'Stripe-Signature has no timestamp or no v1 signature'),
      );
    }
    const expected = Buffer.from(stripeSignature(rawBody, secret, parsed.timestamp), 'hex');
    const matches = parsed.signatures.some(
      (candidate) => HEX_SHA256.test(candidate) && timingSafeEqual(Buffer.from(candidate, 'hex'), expected),
    );
    if (!matches) {
      return E.left(webhookRejected('stripe', 'bad_signature', 'no v1 signature matches the body'));
    }
    const ageSeconds = now.getTime() / 1000 - parsed.timestamp;
    if (Math.abs(ageSeconds) > tolerance) {
      return E.left(
        webhookRejected(
          'stripe',
          'stale',
          `signature timestamp is ${Math.round(ageSeconds)} s from now (tolerance ${tolerance} s)`,
        ),
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return E.left(webhookRejected('stripe', 'malformed', 'body is not JSON'));
    }
    const event = decode(StripeEvent, json);
    if (E.isLeft(event))
      return E.left(webhookRejected('stripe', 'malformed', `not a Stripe event: ${event.left}`));
    return mapEvent(event.right);
  };

/** {@link createStripeWebhookVerifier} with Stripe's default tolerance of 300 s. */
export const verifyStripeWebhook: WebhookVerifier = createStripeWebhookVerifier();
