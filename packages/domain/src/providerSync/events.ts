/**
 * Provider sync events. THIS IS THE STORED FORMAT: events are immutable facts read back for ever (replay,
 * audit, hash chains), so changes are additive only — new optional fields, new event types. Anything else goes
 * through an upcaster applied when reading.
 *
 * One stream per (tenant, invoice, provider) (`providerSyncStream`) records what Accrue asked of that provider
 * for that invoice and what came of it. No secret, token or request body is ever stored here: `error` is the
 * adapter's safe message, and `externalId` / `paymentLink` are what the provider shows its own users anyway.
 */
import * as t from 'io-ts';

import { InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';
import {
  ExternalId,
  PaymentLink,
  SourceEventId,
  SyncAttempt,
  SyncOperation,
  SyncProvider,
} from './values.js';

/**
 * Attempt `attempt` of `operation` at `provider` is due. Attempt 1 is recorded when the invoice event that asks
 * for it (`sourceEventId`) is seen; attempt n + 1 when a retry of a failed attempt n falls due.
 */
export const ProviderSyncRequested = t.strict(
  {
    type: t.literal('ProviderSyncRequested'),
    data: t.strict({
      tenantId: TenantId,
      invoiceId: InvoiceId,
      provider: SyncProvider,
      operation: SyncOperation,
      sourceEventId: SourceEventId,
      attempt: SyncAttempt,
      requestedAt: Timestamp,
    }),
  },
  'ProviderSyncRequested',
);
export type ProviderSyncRequested = t.TypeOf<typeof ProviderSyncRequested>;

/** The provider did it. `externalId` is the provider's id of the invoice (the same for every operation). */
export const ProviderSyncSucceeded = t.strict(
  {
    type: t.literal('ProviderSyncSucceeded'),
    data: t.intersection([
      t.strict({
        invoiceId: InvoiceId,
        provider: SyncProvider,
        operation: SyncOperation,
        sourceEventId: SourceEventId,
        attempt: SyncAttempt,
        externalId: ExternalId,
        succeededAt: Timestamp,
      }),
      t.partial({ paymentLink: PaymentLink }),
    ]),
  },
  'ProviderSyncSucceeded',
);
export type ProviderSyncSucceeded = t.TypeOf<typeof ProviderSyncSucceeded>;

/**
 * Attempt `attempt` failed. `retryable` is the failure's kind (the provider was unavailable, rather than
 * refusing the request); `nextAttemptAt` is when the next attempt falls due, or null when there will be none
 * (a permanent refusal, or the last attempt allowed): the operation has then failed for good.
 */
export const ProviderSyncFailed = t.strict(
  {
    type: t.literal('ProviderSyncFailed'),
    data: t.strict({
      invoiceId: InvoiceId,
      provider: SyncProvider,
      operation: SyncOperation,
      sourceEventId: SourceEventId,
      attempt: SyncAttempt,
      retryable: t.boolean,
      error: NonEmptyString,
      nextAttemptAt: t.union([Timestamp, t.null]),
      failedAt: Timestamp,
    }),
  },
  'ProviderSyncFailed',
);
export type ProviderSyncFailed = t.TypeOf<typeof ProviderSyncFailed>;

export const ProviderSyncEvent = t.union(
  [ProviderSyncRequested, ProviderSyncSucceeded, ProviderSyncFailed],
  'ProviderSyncEvent',
);
export type ProviderSyncEvent = t.TypeOf<typeof ProviderSyncEvent>;
