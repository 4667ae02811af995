import { createHmac, timingSafeEqual } from 'node:crypto';

import { CurrencyCode, parseDecimal, toMinorUnits } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';

import { ExactNumber, parseExactJson } from '../providers/exactJson.js';
import type { ProviderNotification, WebhookRejected, WebhookVerifier } from '../providers/port.js';
import { webhookRejected } from '../providers/port.js';

/**
 * Incard webhooks (ADR 13). Incard documents signed `POST`s with `X-Incard-*` headers, verified over the raw
 * body, deduplicated on the event id, and the events `transaction.create` / `transaction.update`; it does
 * **not** publish the header names, the algorithm or the payload. What follows is our guess in the style of
 * the ecosystem (Stripe's scheme), to confirm with Incard before going live:
 *
 * - `X-Incard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (several `v1` are
 *   accepted, for secret rotation), tolerance 300 s either way;
 * - body `{id, type, created_at, data}`, where a transaction's `data` is
 *   `{id, status, direction, amount, currency, invoice_public_id, reference, completed_at}` with `amount` a
 *   major-unit decimal (as on invoices).
 *
 * A completed inbound transaction that names an invoice's public id (our external id) is `PaymentReceived`;
 * everything else is `Ignored`. Its `eventId` is the **transaction** id (`incard-transaction:<id>`), not the
 * event id: `transaction.create` and a later `transaction.update` of the same completed payment must become
 * one payment, not two.
 */

export const INCARD_SIGNATURE_HEADER = 'x-incard-signature';
export const INCARD_EVENT_ID_HEADER = 'x-incard-event-id';
export const INCARD_WEBHOOK_TOLERANCE_SECONDS = 300;

const IncardEvent = t.intersection([
  t.type({ id: t.string, type: t.string }),
  t.partial({ created_at: t.string, data: t.unknown }),
]);

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

const IncardTransaction = t.intersection([
  t.type({ id: t.string, status: t.string, direction: t.string, amount: ExactNumber, currency: t.string }),
  t.partial({
    invoice_public_id: nullable(t.string),
    reference: nullable(t.string),
    completed_at: nullable(t.string),
  }),
]);

const TRANSACTION_EVENTS = new Set(['transaction.create', 'transaction.update']);

/** `HMAC-SHA256(secret, "<t>.<raw body>")` as hex. */
export const incardSignature = (secret: string, timestamp: number, rawBody: Buffer): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');

const parseHeader = (
  header: string,
): { timestamp: number; signatures: ReadonlyArray<string> } | undefined => {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return undefined;
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1') signatures.push(value);
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
};

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export const verifyIncardWebhook: WebhookVerifier = (input) => {
  const reject = (reason: WebhookRejected['reason'], message: string) =>
    E.left(webhookRejected('incard', reason, message));
  const header = input.headers[INCARD_SIGNATURE_HEADER];
  if (header === undefined || header === '')
    return reject('missing_signature', 'no X-Incard-Signature header');
  const parsed = parseHeader(header);
  if (parsed === undefined) return reject('malformed', 'X-Incard-Signature is not "t=<unix>,v1=<hex>"');
  const expected = Buffer.from(incardSignature(input.secret, parsed.timestamp, input.rawBody), 'hex');
  const genuine = parsed.signatures.some((candidate) => {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) return false;
    return timingSafeEqual(Buffer.from(candidate, 'hex'), expected);
  });
  if (!genuine) return reject('bad_signature', 'signature does not match');
  const ageSeconds = Math.abs(Math.floor(input.now.getTime() / 1000) - parsed.timestamp);
  if (ageSeconds > INCARD_WEBHOOK_TOLERANCE_SECONDS) {
    return reject(
      'stale',
      `signed ${ageSeconds} s from now, tolerance ${INCARD_WEBHOOK_TOLERANCE_SECONDS} s`,
    );
  }
  return decodeIncardEvent(input.rawBody);
};

const decodeIncardEvent = (rawBody: Buffer): E.Either<WebhookRejected, ProviderNotification> => {
  const malformed = (message: string) => webhookRejected('incard', 'malformed', message);
  const event = pipe(
    parseExactJson(rawBody.toString('utf8')),
    E.mapLeft(() => malformed('body is not JSON')),
    E.flatMap((json) =>
      pipe(
        IncardEvent.decode(json),
        E.mapLeft(() => malformed('body is not an Incard event {id, type, data}')),
      ),
    ),
  );
  if (E.isLeft(event)) return event;
  const { id: eventId, type: eventType } = event.right;
  const ignored = E.right<WebhookRejected, ProviderNotification>({ _tag: 'Ignored', eventId, eventType });
  if (!TRANSACTION_EVENTS.has(eventType)) return ignored;
  const transaction = IncardTransaction.decode(event.right.data);
  if (E.isLeft(transaction)) return E.left(malformed(`${eventType} without a readable transaction`));
  const data = transaction.right;
  const externalId = data.invoice_public_id;
  if (
    data.status !== 'completed' ||
    data.direction !== 'inbound' ||
    externalId == null ||
    externalId === ''
  ) {
    return ignored;
  }
  const currency = data.currency.toUpperCase();
  if (!CurrencyCode.is(currency)) return E.left(malformed(`unknown currency ${currency.slice(0, 8)}`));
  const amount = pipe(
    parseDecimal(data.amount),
    E.flatMap((value) =>
      pipe(
        toMinorUnits(value, currency),
        E.mapLeft(() => 'more decimals than the currency has'),
      ),
    ),
  );
  if (E.isLeft(amount) || amount.right <= 0n)
    return E.left(malformed('transaction amount is not a positive amount'));
  const paidAt = data.completed_at ?? event.right.created_at;
  if (paidAt === undefined || !ISO_TIMESTAMP.test(paidAt) || Number.isNaN(Date.parse(paidAt))) {
    return E.left(malformed('transaction has no completion time'));
  }
  return E.right({
    _tag: 'PaymentReceived',
    eventId: `incard-transaction:${data.id}`,
    externalId,
    amount: amount.right,
    currency,
    paidAt: new Date(paidAt).toISOString(),
    ...(data.reference == null || data.reference === '' ? {} : { reference: data.reference }),
  });
};
