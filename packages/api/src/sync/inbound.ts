import type { ProviderName, ProviderNotification, WebhookRejected } from '@accrue/adapters/providers';
import { isProviderName } from '@accrue/adapters/providers';
import type { DeliveryChannel, EventStore, InvoiceCommand, InvoiceState, Sha256Hex } from '@accrue/domain';
import {
  InvoiceId,
  PaymentId,
  Timestamp,
  foldLoaded,
  freezeAmount,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  loadStream,
  providerSyncAggregate,
  providerSyncStream,
  thawDecimal,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { SyncClock } from './clock.js';
import { timestampOf } from './clock.js';
import type { ProviderConnection, ProviderConnections } from './connections.js';
import { inboundActor, inboundCommandId, inboundPaymentId } from './ids.js';
import type { SyncLog } from './log.js';
import type { ProviderSyncTables } from './tables.js';

/**
 * Payments and delivery confirmations coming back from providers (signed webhooks, or Dollr's polled status),
 * turned into `RecordPayment` / `MarkInvoiceDelivered` commands. Redelivery is harmless: the command id and the
 * payment id derive from the provider's event (or payment) id, so the log refuses the second copy and the
 * invoice decider recognises the payment.
 */

/** What became of one webhook delivery. The HTTP route maps it to a status. */
export type WebhookOutcome =
  /** Not a provider we know, or one without webhooks (Dollr): 404. */
  | { readonly _tag: 'UnknownProvider'; readonly provider: string }
  /** No connection of that provider has a webhook secret: 404. */
  | { readonly _tag: 'NotConfigured'; readonly provider: ProviderName }
  /** Forged, stale or malformed: nothing changed. 401 or 400. */
  | { readonly _tag: 'Rejected'; readonly reason: WebhookRejected['reason']; readonly message: string }
  /** Genuine, and nothing for Accrue to do (an event we do not use, an invoice we never synced): 200. */
  | { readonly _tag: 'Ignored'; readonly reason: string; readonly eventType?: string }
  /** Recorded now, or recorded before (`duplicate`): 200. */
  | {
      readonly _tag: 'Recorded';
      readonly kind: 'payment' | 'delivery';
      readonly invoiceId: string;
      readonly duplicate: boolean;
    }
  /** Genuine, but a rule of the invoice refused it (an overpayment, a void invoice): 200, logged for people. */
  | { readonly _tag: 'Refused'; readonly invoiceId: string; readonly code: string }
  /** The store failed: 503, the provider will deliver again. */
  | { readonly _tag: 'Unavailable'; readonly message: string };

export interface WebhookDelivery {
  readonly provider: string;
  readonly rawBody: Buffer;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface InboundDeps {
  readonly store: EventStore;
  readonly tables: ProviderSyncTables;
  readonly connections: ProviderConnections;
  readonly clock: SyncClock;
  readonly log: SyncLog;
  readonly sha256?: Sha256Hex;
}

export interface Inbound {
  readonly handleWebhook: (delivery: WebhookDelivery) => Promise<WebhookOutcome>;
  /** Applies a notification for a known connection (webhooks after verification, and Dollr polls). */
  readonly apply: (
    connection: ProviderConnection,
    notification: ProviderNotification,
    via: 'webhook' | 'poll',
  ) => Promise<WebhookOutcome>;
}

/** Which refusal to report when no connection verified a delivery: the most telling one. */
const REJECTION_RANK: Readonly<Record<WebhookRejected['reason'], number>> = {
  malformed: 3,
  stale: 2,
  missing_signature: 1,
  bad_signature: 0,
};

export const createInbound = (deps: InboundDeps): Inbound => {
  const hashing = deps.sha256 === undefined ? {} : { sha256: deps.sha256 };

  const loadInvoice = async (
    tenantId: string,
    invoiceId: string,
  ): Promise<E.Either<string, InvoiceState>> => {
    const history = await loadStream(
      deps.store,
      invoiceAggregate.events,
      invoiceStream(tenantId, invoiceId),
    )();
    return E.isLeft(history)
      ? E.left(history.left._tag)
      : E.right(foldLoaded(invoiceAggregate.decider, history.right));
  };

  /** The channel a delivery confirmation is for: one the invoice went out on. */
  const deliveryChannel = async (
    connection: ProviderConnection,
    invoice: Extract<InvoiceState, { _tag: 'IssuedInvoice' }>,
    reported: string,
  ): Promise<DeliveryChannel | undefined> => {
    const candidates: string[] = [reported, connection.provider];
    // The channel of the sending that was pushed to this provider: the provider delivered what it was asked to.
    const sync = await loadStream(
      deps.store,
      providerSyncAggregate.events,
      providerSyncStream(connection.tenantId, invoice.invoiceId, connection.provider),
    )();
    if (E.isRight(sync)) {
      const state = foldLoaded(providerSyncAggregate.decider, sync.right);
      const send =
        state._tag === 'ProviderSyncState'
          ? state.operations.find((op) => op.operation === 'send')
          : undefined;
      if (send !== undefined) {
        const history = await loadStream(
          deps.store,
          invoiceAggregate.events,
          invoiceStream(connection.tenantId, invoice.invoiceId),
        )();
        const source = E.isRight(history)
          ? history.right.find((loaded) => loaded.eventId === send.sourceEventId)
          : undefined;
        if (source?.event.type === 'InvoiceSent') candidates.push(source.event.data.channel);
      }
    }
    return invoice.channels.find((channel) => candidates.includes(channel));
  };

  const apply = async (
    connection: ProviderConnection,
    notification: ProviderNotification,
    via: 'webhook' | 'poll',
  ): Promise<WebhookOutcome> => {
    if (notification._tag === 'Ignored')
      return { _tag: 'Ignored', reason: 'not_relevant', eventType: notification.eventType };
    const link = await deps.tables.findLink(connection.provider, notification.externalId);
    if (link === undefined || link.tenantId !== connection.tenantId || !InvoiceId.is(link.invoiceId)) {
      deps.log.warn(
        { provider: connection.provider, tenantId: connection.tenantId, externalId: notification.externalId },
        'provider notification for an invoice this tenant never synced there: ignored',
      );
      return { _tag: 'Ignored', reason: 'unknown_invoice' };
    }
    const { tenantId } = connection;
    const invoiceId = link.invoiceId;
    const loaded = await loadInvoice(tenantId, invoiceId);
    if (E.isLeft(loaded)) return { _tag: 'Unavailable', message: loaded.left };
    const invoice = loaded.right;
    if (invoice._tag !== 'IssuedInvoice') return { _tag: 'Ignored', reason: 'invoice_not_issued' };
    const now = timestampOf(deps.clock.now());
    const context = (kind: string) => ({
      tenantId,
      commandId: inboundCommandId(connection.provider, tenantId, notification.eventId, kind),
      actor: inboundActor(connection.provider, via),
      now,
    });

    let command: InvoiceCommand;
    let kind: 'payment' | 'delivery';
    if (notification._tag === 'PaymentReceived') {
      kind = 'payment';
      if (notification.currency !== invoice.currency) {
        deps.log.warn(
          { provider: connection.provider, tenantId, invoiceId, currency: notification.currency },
          'provider payment in another currency than the invoice: refused',
        );
        return { _tag: 'Refused', invoiceId, code: 'currency_mismatch' };
      }
      const paymentId = inboundPaymentId(connection.provider, notification.eventId);
      if (!PaymentId.is(paymentId)) return { _tag: 'Ignored', reason: 'unusable_payment_id' };
      command = {
        type: 'RecordPayment',
        data: {
          invoiceId,
          tenantId: invoice.tenantId,
          now,
          paymentId,
          amount: thawDecimal(freezeAmount(notification.amount, invoice.currency)),
          currency: invoice.currency,
          paidAt: Timestamp.is(notification.paidAt) ? notification.paidAt : now,
          ...(notification.reference === undefined ? {} : { reference: notification.reference }),
        },
      };
    } else {
      kind = 'delivery';
      const channel = await deliveryChannel(connection, invoice, notification.channel);
      if (channel === undefined) {
        deps.log.warn(
          { provider: connection.provider, tenantId, invoiceId, channel: notification.channel },
          'delivery confirmed on a channel the invoice was not sent on: refused',
        );
        return { _tag: 'Refused', invoiceId, code: 'invoice_not_sent_on_channel' };
      }
      command = {
        type: 'MarkInvoiceDelivered',
        data: {
          invoiceId,
          tenantId: invoice.tenantId,
          now,
          channel,
          deliveredAt: Timestamp.is(notification.deliveredAt) ? notification.deliveredAt : now,
        },
      };
    }
    const outcome = await handleCommand(
      deps.store,
      invoiceAggregate,
      invoiceStream(tenantId, invoiceId),
      command,
      context(kind),
      hashing,
    )();
    if (E.isRight(outcome))
      return {
        _tag: 'Recorded',
        kind,
        invoiceId,
        duplicate: outcome.right.replayed || outcome.right.events.length === 0,
      };
    if (outcome.left._tag === 'CommandRejected') {
      deps.log.warn(
        { provider: connection.provider, tenantId, invoiceId, rule: outcome.left.error._tag },
        `provider ${kind} refused by the invoice`,
      );
      return { _tag: 'Refused', invoiceId, code: outcome.left.error._tag };
    }
    return { _tag: 'Unavailable', message: outcome.left._tag };
  };

  return {
    apply,
    handleWebhook: async (delivery) => {
      if (!isProviderName(delivery.provider)) return { _tag: 'UnknownProvider', provider: delivery.provider };
      const provider = delivery.provider;
      const candidates = deps.connections
        .forProvider(provider)
        .filter((connection) => connection.verifier !== undefined && connection.webhookSecret !== undefined);
      if (candidates.length === 0) {
        const any = deps.connections.forProvider(provider);
        return any.length > 0 && any.every((connection) => connection.verifier === undefined)
          ? { _tag: 'UnknownProvider', provider }
          : { _tag: 'NotConfigured', provider };
      }
      const now = new Date(deps.clock.now());
      let best: WebhookRejected | undefined;
      // Every connection of the provider is tried (its own secret): the one whose signature matches is the
      // tenant's. Verification is constant-time per secret.
      for (const connection of candidates) {
        if (connection.verifier === undefined || connection.webhookSecret === undefined) continue;
        const verified = connection.verifier({
          rawBody: delivery.rawBody,
          headers: delivery.headers,
          secret: connection.webhookSecret,
          now,
        });
        if (E.isRight(verified)) return apply(connection, verified.right, 'webhook');
        if (best === undefined || REJECTION_RANK[verified.left.reason] > REJECTION_RANK[best.reason])
          best = verified.left;
      }
      const rejection = best ?? { reason: 'bad_signature' as const, message: 'signature does not match' };
      deps.log.warn({ provider, reason: rejection.reason }, 'webhook refused');
      return { _tag: 'Rejected', reason: rejection.reason, message: rejection.message };
    },
  };
};
