import type { InvoiceId, TenantId } from '../shared/ids.js';
import type { Timestamp } from '../shared/timestamp.js';
import type { SourceEventId, SyncOperation, SyncProvider } from './values.js';

/**
 * Why a provider sync command was refused. They name the broken rule; the process manager treats them as its
 * own bugs or races (logged), never as the provider's answer.
 */

/** The stream belongs to another invoice, tenant or provider than the command names. */
export interface ProviderSyncStreamMismatch {
  readonly _tag: 'ProviderSyncStreamMismatch';
  readonly tenantId: TenantId;
  readonly invoiceId: InvoiceId;
  readonly provider: SyncProvider;
}

/** Every operation but `issue` needs the invoice issued at the provider first (asked for, at least). */
export interface ProviderSyncNotIssued {
  readonly _tag: 'ProviderSyncNotIssued';
  readonly invoiceId: InvoiceId;
  readonly provider: SyncProvider;
  readonly operation: SyncOperation;
}

/** An outcome or a retry for an operation nobody asked for. */
export interface ProviderSyncOperationUnknown {
  readonly _tag: 'ProviderSyncOperationUnknown';
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
}

/** An outcome for an attempt that was never asked for, or a retry that skips one. */
export interface ProviderSyncAttemptMismatch {
  readonly _tag: 'ProviderSyncAttemptMismatch';
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
  readonly expected: number;
  readonly actual: number;
}

/** A retry asked for before its time. */
export interface ProviderSyncRetryNotDue {
  readonly _tag: 'ProviderSyncRetryNotDue';
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
  readonly nextAttemptAt: Timestamp;
}

/** A retry of an operation that is not waiting for one (pending, done, or failed for good). */
export interface ProviderSyncNotRetrying {
  readonly _tag: 'ProviderSyncNotRetrying';
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
}

/** A success for an operation that needs the invoice issued at the provider, before the issue succeeded. */
export interface ProviderSyncOutOfOrder {
  readonly _tag: 'ProviderSyncOutOfOrder';
  readonly operation: SyncOperation;
  readonly sourceEventId: SourceEventId;
}

/** A success whose external id differs from the one the issue gave: the provider mixed up invoices. */
export interface ProviderSyncExternalIdChanged {
  readonly _tag: 'ProviderSyncExternalIdChanged';
  readonly expected: string;
  readonly actual: string;
}

/** A retry's due time cannot be written as a timestamp (years beyond 9999). */
export interface ProviderSyncScheduleOutOfRange {
  readonly _tag: 'ProviderSyncScheduleOutOfRange';
  readonly now: Timestamp;
  readonly delayMs: number;
}

export type ProviderSyncError =
  | ProviderSyncStreamMismatch
  | ProviderSyncNotIssued
  | ProviderSyncOperationUnknown
  | ProviderSyncAttemptMismatch
  | ProviderSyncRetryNotDue
  | ProviderSyncNotRetrying
  | ProviderSyncOutOfOrder
  | ProviderSyncExternalIdChanged
  | ProviderSyncScheduleOutOfRange;

export const providerSyncStreamMismatch = (
  tenantId: TenantId,
  invoiceId: InvoiceId,
  provider: SyncProvider,
): ProviderSyncStreamMismatch => ({ _tag: 'ProviderSyncStreamMismatch', tenantId, invoiceId, provider });

export const providerSyncNotIssued = (
  invoiceId: InvoiceId,
  provider: SyncProvider,
  operation: SyncOperation,
): ProviderSyncNotIssued => ({ _tag: 'ProviderSyncNotIssued', invoiceId, provider, operation });

export const providerSyncOperationUnknown = (
  operation: SyncOperation,
  sourceEventId: SourceEventId,
): ProviderSyncOperationUnknown => ({ _tag: 'ProviderSyncOperationUnknown', operation, sourceEventId });

export const providerSyncAttemptMismatch = (
  operation: SyncOperation,
  sourceEventId: SourceEventId,
  expected: number,
  actual: number,
): ProviderSyncAttemptMismatch => ({
  _tag: 'ProviderSyncAttemptMismatch',
  operation,
  sourceEventId,
  expected,
  actual,
});

export const providerSyncRetryNotDue = (
  operation: SyncOperation,
  sourceEventId: SourceEventId,
  nextAttemptAt: Timestamp,
): ProviderSyncRetryNotDue => ({ _tag: 'ProviderSyncRetryNotDue', operation, sourceEventId, nextAttemptAt });

export const providerSyncNotRetrying = (
  operation: SyncOperation,
  sourceEventId: SourceEventId,
): ProviderSyncNotRetrying => ({ _tag: 'ProviderSyncNotRetrying', operation, sourceEventId });

export const providerSyncOutOfOrder = (
  operation: SyncOperation,
  sourceEventId: SourceEventId,
): ProviderSyncOutOfOrder => ({ _tag: 'ProviderSyncOutOfOrder', operation, sourceEventId });

export const providerSyncExternalIdChanged = (
  expected: string,
  actual: string,
): ProviderSyncExternalIdChanged => ({ _tag: 'ProviderSyncExternalIdChanged', expected, actual });

export const providerSyncScheduleOutOfRange = (
  now: Timestamp,
  delayMs: number,
): ProviderSyncScheduleOutOfRange => ({ _tag: 'ProviderSyncScheduleOutOfRange', now, delayMs });
