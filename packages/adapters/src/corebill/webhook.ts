import { createHmac, timingSafeEqual } from 'node:crypto';

import { CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { ExactNumber, parseExactJson } from '../providers/exactJson.js';
import type { ProviderNotification, WebhookRejected, WebhookVerifier } from '../providers/port.js';
import { webhookRejected } from '../providers/port.js';
import { ACCRUE_PAYMENT_REFERENCE_PREFIX, fromCorebillAmount } from './mapping.js';

/**
 * Corebill webhooks (www.corebill.io/docs/webhooks): `X-Webhook-Signature` = hex HMAC-SHA256 of the raw body
 * with the endpoint secret; payload `{id: "evt_…", event, created_at, webhook_id, data: <invoice as in REST>,
 * metadata}` (ADR 16).
 *
 * - Freshness by `created_at` (signed, inside the body): at most `toleranceMs` old (default 24 h: Corebill's retry
 *   schedule is not published, and rejecting a genuine late retry would lose a payment, while a replay is
 *   deduplicated downstream by event id anyway), and at most 5 minutes ahead.
 * - `invoice.paid` / `invoice.payment_recorded` → `PaymentReceived` of the payment that event recorded:
 *   `data.payment` (our assumption; else the last of `data.payments`), in major units → minor units. A payment
 *   whose reference is ours (`accrue:<payment id>`) came from our own `recordPayment` and is `Ignored`.
 * - An invoice event showing `status: "viewed"` (or `invoice.viewed`) → `Delivered` on `email`: the customer
 *   opened it. `invoice.sent` only echoes our own `send` (dispatch, not receipt) and is `Ignored`, like the rest.
 */

export interface CorebillWebhookOptions {
  /** Maximum age of `created_at`; default 24 hours. */
  readonly toleranceMs?: number;
}

const DEFAULT_TOLERANCE_MS = 24 * 60 * 60_000;
const FUTURE_SKEW_MS = 5 * 60_000;
const SIGNATURE = /^(?:sha256=)?([0-9a-fA-F]{64})$/;
const PAYMENT_EVENTS = new Set(['invoice.paid', 'invoice.payment_recorded']);

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const WebhookPayment = t.intersection([
  t.type({ amount: ExactNumber }),
  t.partial({ id: nullable(t.string), payment_date: nullable(t.string), reference: nullable(t.string) }),
]);

export const CorebillWebhookPayload = t.type(
  {
    id: t.string,
    event: t.string,
    created_at: t.string,
    data: t.intersection([
      t.type({ id: t.string }),
      t.partial({
        status: nullable(t.string),
        currency: nullable(t.string),
        payment: nullable(WebhookPayment),
        payments: nullable(t.array(WebhookPayment)),
      }),
    ]),
  },
  'CorebillWebhookPayload',
);
export type CorebillWebhookPayload = t.TypeOf<typeof CorebillWebhookPayload>;

const reject = (reason: WebhookRejected['reason'], message: string) =>
  E.left(webhookRejected('corebill', reason, message));

export const createCorebillWebhookVerifier =
  (options: CorebillWebhookOptions = {}): WebhookVerifier =>
  (input) => {
    const header = input.headers['x-webhook-signature'];
    if (header === undefined || header === '')
      return reject('missing_signature', 'no X-Webhook-Signature header');
    const hex = SIGNATURE.exec(header.trim())?.[1];
    if (hex === undefined) return reject('bad_signature', 'X-Webhook-Signature is not a hex HMAC-SHA256');
    const expected = createHmac('sha256', input.secret).update(input.rawBody).digest();
    if (!timingSafeEqual(expected, Buffer.from(hex, 'hex'))) {
      return reject('bad_signature', 'the signature does not match the body');
    }

    const parsed = parseExactJson(input.rawBody.toString('utf8'));
    if (E.isLeft(parsed)) return reject('malformed', 'the body is not JSON');
    const decoded = CorebillWebhookPayload.decode(parsed.right);
    if (E.isLeft(decoded)) return reject('malformed', 'the body is not a Corebill event');
    const event = decoded.right;
    const at = Date.parse(event.created_at);
    if (Number.isNaN(at)) return reject('malformed', 'created_at is not a timestamp');
    const age = input.now.getTime() - at;
    if (age > (options.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
      return reject('stale', `the event is ${Math.round(age / 1000)} s old`);
    }
    if (age < -FUTURE_SKEW_MS) return reject('stale', 'the event is dated in the future');

    const { data } = event;
    const createdAt = new Date(at).toISOString();
    const ignored = (): E.Either<WebhookRejected, ProviderNotification> =>
      E.right({ _tag: 'Ignored', eventId: event.id, eventType: event.event });

    if (PAYMENT_EVENTS.has(event.event)) {
      const payment = data.payment ?? data.payments?.at(-1);
      const currency = CurrencyCode.decode((data.currency ?? '').toUpperCase());
      if (payment === undefined || E.isLeft(currency)) {
        return reject('malformed', 'a payment event without the payment or the currency');
      }
      if (payment.reference?.startsWith(ACCRUE_PAYMENT_REFERENCE_PREFIX) === true) return ignored();
      const amount = fromCorebillAmount(payment.amount, currency.right);
      if (amount === undefined) return reject('malformed', 'the payment amount is finer than the currency');
      if (amount <= 0n) return ignored();
      const date = /^\d{4}-\d{2}-\d{2}$/.test(payment.payment_date ?? '') ? payment.payment_date : undefined;
      return E.right({
        _tag: 'PaymentReceived',
        eventId: event.id,
        externalId: data.id,
        amount,
        currency: currency.right,
        paidAt: date === undefined || date === null ? createdAt : `${date}T00:00:00.000Z`,
        ...(payment.reference === undefined || payment.reference === null
          ? {}
          : { reference: payment.reference }),
      });
    }

    if (
      event.event === 'invoice.viewed' ||
      (event.event.startsWith('invoice.') && data.status === 'viewed')
    ) {
      return E.right({
        _tag: 'Delivered',
        eventId: event.id,
        externalId: data.id,
        channel: 'email',
        deliveredAt: createdAt,
      });
    }

    return ignored();
  };

export const verifyCorebillWebhook: WebhookVerifier = createCorebillWebhookVerifier();
