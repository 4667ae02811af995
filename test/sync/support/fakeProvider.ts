import { createHmac, timingSafeEqual } from 'node:crypto';

import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  PolledPaymentStatus,
  ProviderError,
  ProviderName,
  ProviderNotification,
  ProviderOperation,
  WebhookVerifier,
} from '@accrue/adapters/providers';
import { providerRejected, providerUnavailable, webhookRejected } from '@accrue/adapters/providers';
import type { CurrencyCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';

import type { ProviderModule, ProviderRegistry } from '../../../packages/api/src/sync/index.js';
import { providerModule } from '../../../packages/api/src/sync/index.js';

/**
 * An in-memory provider with the properties the port promises (one effect per idempotency key, look-up of a
 * repeated issue), a record of every call and effect, and fault injection before or after the provider acted.
 */
export interface FakeInvoice {
  readonly externalId: string;
  readonly number: string;
  readonly currency: string;
  readonly payableAmount: bigint;
  status: 'issued' | 'sent' | 'paid' | 'void' | 'uncollectible';
  readonly payments: Array<{ readonly paymentId: string; readonly amount: bigint }>;
  polled?: PolledPaymentStatus;
}

export type FakeFault =
  | { readonly kind: 'unavailable'; readonly retryAfterMs?: number; readonly afterEffect?: boolean }
  | { readonly kind: 'rejected'; readonly message?: string }
  | { readonly kind: 'throw'; readonly message?: string };

export interface FakeCall {
  readonly operation: ProviderOperation;
  readonly idempotencyKey: string;
  readonly outcome: 'ok' | 'failed';
}

export interface FakeProvider {
  readonly adapter: InvoiceProvider;
  readonly invoices: Map<string, FakeInvoice>;
  readonly calls: FakeCall[];
  /** Effects applied, one per (operation, idempotency key) that acted. */
  readonly effects: Array<{ readonly operation: ProviderOperation; readonly idempotencyKey: string }>;
  /** Queues a fault for the next call of `operation`. */
  readonly fail: (operation: ProviderOperation, fault: FakeFault) => void;
  readonly byNumber: (number: string) => FakeInvoice | undefined;
  /** How many times `pollPayment` was called. */
  readonly polls: () => number;
}

export const createFakeProvider = (
  name: ProviderName,
  options: {
    readonly supports?: ReadonlyArray<Exclude<ProviderOperation, 'issue'>>;
    readonly polled?: boolean;
    readonly secret?: string;
  } = {},
): FakeProvider => {
  const invoices = new Map<string, FakeInvoice>();
  const calls: FakeCall[] = [];
  const effects: FakeProvider['effects'] = [];
  const faults: Array<{ operation: ProviderOperation; fault: FakeFault }> = [];
  const done = new Map<string, unknown>();
  let counter = 0;
  let polls = 0;

  const run =
    <A>(operation: ProviderOperation, key: string, act: () => A): TE.TaskEither<ProviderError, A> =>
    async () => {
      await Promise.resolve();
      const index = faults.findIndex((entry) => entry.operation === operation);
      const fault = index < 0 ? undefined : faults.splice(index, 1)[0]?.fault;
      const effect = (): A => {
        const id = `${operation}\u0000${key}`;
        if (done.has(id)) return done.get(id) as A;
        const result = act();
        done.set(id, result);
        effects.push({ operation, idempotencyKey: key });
        return result;
      };
      if (fault === undefined) {
        const result = effect();
        calls.push({ operation, idempotencyKey: key, outcome: 'ok' });
        return E.right(result);
      }
      calls.push({ operation, idempotencyKey: key, outcome: 'failed' });
      switch (fault.kind) {
        case 'throw':
          throw new Error(fault.message ?? `fake ${name} crashed`);
        case 'rejected':
          return E.left(
            providerRejected({
              provider: name,
              operation,
              status: 422,
              message: fault.message ?? 'refused by the fake',
            }),
          );
        case 'unavailable':
          if (fault.afterEffect === true) effect();
          return E.left(
            providerUnavailable({
              provider: name,
              operation,
              status: 503,
              message: 'POST /fake answered 503: try later',
              ...(fault.retryAfterMs === undefined ? {} : { retryAfterMs: fault.retryAfterMs }),
            }),
          );
      }
    };

  const invoiceOf = (ref: ExternalInvoiceRef): FakeInvoice => {
    const invoice = invoices.get(ref.externalId);
    if (invoice === undefined) throw new Error(`fake ${name}: no invoice ${ref.externalId}`);
    return invoice;
  };

  const adapter: InvoiceProvider = {
    name,
    supports: new Set(options.supports ?? ['send', 'recordPayment', 'void', 'markUncollectible']),
    issue: ({ idempotencyKey, input }) =>
      run('issue', idempotencyKey, () => {
        // Look-up before create, as the adapters without idempotency keys do.
        const existing = [...invoices.values()].find((invoice) => invoice.number === input.number);
        if (existing !== undefined)
          return { externalId: existing.externalId, paymentLink: `https://pay.fake/${existing.externalId}` };
        counter += 1;
        const externalId = `${name}_inv_${String(counter)}`;
        invoices.set(externalId, {
          externalId,
          number: input.number,
          currency: input.currency,
          payableAmount: input.totals.payableAmount,
          status: 'issued',
          payments: [],
        });
        return { externalId, paymentLink: `https://pay.fake/${externalId}` };
      }),
    send: ({ idempotencyKey, input }) =>
      run('send', idempotencyKey, () => {
        const invoice = invoiceOf(input.ref);
        if (invoice.status === 'issued') invoice.status = 'sent';
      }),
    recordPayment: ({ idempotencyKey, input }) =>
      run('recordPayment', idempotencyKey, () => {
        const invoice = invoiceOf(input.ref);
        invoice.payments.push({ paymentId: input.payment.paymentId, amount: input.payment.amount });
        if (input.payment.settlesInvoice) invoice.status = 'paid';
      }),
    void: ({ idempotencyKey, input }) =>
      run('void', idempotencyKey, () => {
        invoiceOf(input.ref).status = 'void';
      }),
    markUncollectible: ({ idempotencyKey, input }) =>
      run('markUncollectible', idempotencyKey, () => {
        invoiceOf(input.ref).status = 'uncollectible';
      }),
    ...(options.polled === true
      ? {
          pollPayment: (ref: ExternalInvoiceRef) => async () => {
            await Promise.resolve();
            polls += 1;
            const invoice = invoices.get(ref.externalId);
            if (invoice === undefined)
              return E.left(providerRejected({ provider: name, operation: 'poll', message: 'unknown' }));
            return E.right<ProviderError, PolledPaymentStatus>(
              invoice.polled ?? { externalId: ref.externalId, status: 'unpaid' },
            );
          },
        }
      : {}),
  };

  return {
    adapter,
    invoices,
    calls,
    effects,
    fail: (operation, fault) => {
      faults.push({ operation, fault });
    },
    byNumber: (number) => [...invoices.values()].find((invoice) => invoice.number === number),
    polls: () => polls,
  };
};

// ——— a webhook scheme for the fake: Stripe-like `x-fake-signature: t=<unix>,v1=<hex HMAC(secret, "t.body")>` ———

const TOLERANCE_SECONDS = 300;

const FakeEvent = t.type({
  id: t.string,
  type: t.string,
  data: t.partial({
    external_id: t.string,
    amount: t.string,
    currency: t.string,
    paid_at: t.string,
    channel: t.string,
  }),
});

export const signFakeWebhook = (body: string, secret: string, at: Date): Record<string, string> => {
  const timestamp = Math.floor(at.getTime() / 1000);
  const signature = createHmac('sha256', secret)
    .update(`${String(timestamp)}.${body}`)
    .digest('hex');
  return { 'content-type': 'application/json', 'x-fake-signature': `t=${String(timestamp)},v1=${signature}` };
};

export const fakeWebhookVerifier =
  (name: ProviderName): WebhookVerifier =>
  (input) => {
    const header = input.headers['x-fake-signature'];
    if (header === undefined)
      return E.left(webhookRejected(name, 'missing_signature', 'no x-fake-signature'));
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    if (match === null) return E.left(webhookRejected(name, 'malformed', 'x-fake-signature is not t=…,v1=…'));
    const [, timestamp = '', signature = ''] = match;
    const expected = createHmac('sha256', input.secret)
      .update(Buffer.concat([Buffer.from(`${timestamp}.`), input.rawBody]))
      .digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
      return E.left(webhookRejected(name, 'bad_signature', 'signature does not match'));
    if (Math.abs(input.now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS)
      return E.left(webhookRejected(name, 'stale', 'signed too long ago'));
    let json: unknown;
    try {
      json = JSON.parse(input.rawBody.toString('utf8'));
    } catch {
      return E.left(webhookRejected(name, 'malformed', 'not JSON'));
    }
    const event = FakeEvent.decode(json);
    if (E.isLeft(event)) return E.left(webhookRejected(name, 'malformed', 'not a fake event'));
    const { id, type, data } = event.right;
    let notification: ProviderNotification;
    if (
      type === 'payment' &&
      data.external_id !== undefined &&
      data.amount !== undefined &&
      data.currency !== undefined
    )
      notification = {
        _tag: 'PaymentReceived',
        eventId: id,
        externalId: data.external_id,
        amount: BigInt(data.amount),
        currency: data.currency as CurrencyCode,
        paidAt: data.paid_at ?? input.now.toISOString(),
      };
    else if (type === 'delivery' && data.external_id !== undefined)
      notification = {
        _tag: 'Delivered',
        eventId: id,
        externalId: data.external_id,
        channel: data.channel ?? 'email',
        deliveredAt: input.now.toISOString(),
      };
    else notification = { _tag: 'Ignored', eventId: id, eventType: type };
    return E.right(notification);
  };

/** A registry entry serving `fake` for every connection of `name` (settings: baseUrl and webhookSecret only). */
export const fakeModule = (
  name: ProviderName,
  fake: FakeProvider,
  options: { readonly webhooks?: boolean } = {},
): ProviderModule =>
  providerModule(
    name,
    t.exact(t.partial({ baseUrl: t.string, webhookSecret: t.string, account: t.string })),
    () => fake.adapter,
    options.webhooks === false ? undefined : () => fakeWebhookVerifier(name),
  );

/** A registry holding `fake` under `name` only. */
export const fakeRegistry = (
  name: ProviderName,
  fake: FakeProvider,
  options: { readonly webhooks?: boolean } = {},
): ProviderRegistry => ({ [name]: () => Promise.resolve(fakeModule(name, fake, options)) });
