import * as t from 'io-ts';

import { InvoiceId, TenantId } from '../shared/ids.js';
import { Timestamp } from '../shared/timestamp.js';
import {
  DelayMs,
  ExternalId,
  Jitter,
  PaymentLink,
  SourceEventId,
  SyncAttempt,
  SyncOperation,
  SyncProvider,
} from './values.js';

/**
 * Provider sync commands, sent by the sync process manager (never by API clients). Each names its stream
 * (tenant, invoice, provider), the operation and the invoice event that asked for it (`sourceEventId`, which
 * keys the operation), and carries `now`: the decider never reads a clock.
 */
const OperationAddress = {
  tenantId: TenantId,
  invoiceId: InvoiceId,
  provider: SyncProvider,
  operation: SyncOperation,
  sourceEventId: SourceEventId,
  now: Timestamp,
};

/**
 * Asks for attempt `attempt` of an operation. Attempt 1 asks for the operation itself (nothing to do if it was
 * asked for before); attempt n + 1 starts the retry of a failed attempt n once its `nextAttemptAt` has come.
 */
export const RequestProviderSync = t.strict(
  {
    type: t.literal('RequestProviderSync'),
    data: t.strict({ ...OperationAddress, attempt: SyncAttempt }),
  },
  'RequestProviderSync',
);
export type RequestProviderSync = t.TypeOf<typeof RequestProviderSync>;

/** The provider answered attempt `attempt` with success. */
export const RecordProviderSyncSucceeded = t.strict(
  {
    type: t.literal('RecordProviderSyncSucceeded'),
    data: t.intersection([
      t.strict({ ...OperationAddress, attempt: SyncAttempt, externalId: ExternalId }),
      t.partial({ paymentLink: PaymentLink }),
    ]),
  },
  'RecordProviderSyncSucceeded',
);
export type RecordProviderSyncSucceeded = t.TypeOf<typeof RecordProviderSyncSucceeded>;

/**
 * Attempt `attempt` failed. `retryable` says whether the same request may succeed later (provider unavailable,
 * rate limited, timed out) or never will (refused); `retryAfterMs` is the delay the provider asked for;
 * `jitter` is a random draw in [0, 1) for the backoff. `error` must be safe to store: no secret, no token.
 */
export const RecordProviderSyncFailed = t.strict(
  {
    type: t.literal('RecordProviderSyncFailed'),
    data: t.intersection([
      t.strict({
        ...OperationAddress,
        attempt: SyncAttempt,
        retryable: t.boolean,
        error: t.string,
        jitter: Jitter,
      }),
      t.partial({ retryAfterMs: DelayMs }),
    ]),
  },
  'RecordProviderSyncFailed',
);
export type RecordProviderSyncFailed = t.TypeOf<typeof RecordProviderSyncFailed>;

export const ProviderSyncCommand = t.union(
  [RequestProviderSync, RecordProviderSyncSucceeded, RecordProviderSyncFailed],
  'ProviderSyncCommand',
);
export type ProviderSyncCommand = t.TypeOf<typeof ProviderSyncCommand>;
