import type { SyncOperation } from '@accrue/domain';
import { uuidV5 } from '@accrue/domain';

/**
 * Every id the sync derives, in one place. All are UUID v5 of their inputs, so a redelivered event, a retried
 * attempt or a redelivered webhook produces the same ids again, and the log (command ids) and the providers
 * (idempotency keys) refuse the duplicate.
 */

/**
 * The idempotency key sent to the provider for one operation: the triggering invoice event and the operation.
 * The same for every attempt, so a retry after a timeout (the provider may have acted) has one effect there.
 */
export const syncIdempotencyKey = (sourceEventId: string, operation: SyncOperation): string =>
  uuidV5(`accrue-sync\u0000${sourceEventId}\u0000${operation}`);

/** The command id of a provider sync command: its stream, operation, source event, attempt and kind. */
export const syncCommandId = (
  stream: string,
  operation: SyncOperation,
  sourceEventId: string,
  attempt: number,
  kind: 'request' | 'succeeded' | 'failed',
): string =>
  uuidV5(
    `accrue-sync-command\u0000${stream}\u0000${operation}\u0000${sourceEventId}\u0000${attempt}\u0000${kind}`,
  );

/** The command id of an invoice command made from a provider notification (webhook delivery or poll). */
export const inboundCommandId = (
  provider: string,
  tenantId: string,
  providerEventId: string,
  kind: string,
): string => uuidV5(`accrue-inbound\u0000${provider}\u0000${tenantId}\u0000${providerEventId}\u0000${kind}`);

/**
 * Our payment id for a payment a provider reported: the provider's name and its event (webhook) or payment
 * (poll) id, readable in the audit trail, bounded to what `PaymentId` accepts.
 */
export const inboundPaymentId = (provider: string, providerId: string): string => {
  const id = `${provider}:${providerId}`;
  return id.length <= 200 ? id : `${provider}:${uuidV5(providerId)}`;
};

/**
 * The actor of commands made from a provider's webhooks or polls. The process manager recognises payments
 * whose actor is a provider's and never mirrors them back to that provider (no echo loop).
 */
export const inboundActor = (provider: string, via: 'webhook' | 'poll'): string =>
  `provider-${via}:${provider}`;

/** Whether an event was recorded from `provider`'s own notifications (webhook or poll). */
export const cameFrom = (actor: string, provider: string): boolean =>
  actor === inboundActor(provider, 'webhook') || actor === inboundActor(provider, 'poll');

/** The actor of the sync's own commands. */
export const SYNC_ACTOR = 'accrue:provider-sync';
