import { PROVIDER_NAMES } from '@accrue/adapters/providers';
import type { EventStore, ProviderSyncState, SyncOperationState } from '@accrue/domain';
import { foldLoaded, loadStream, providerSyncAggregate, providerSyncStream } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

/**
 * The provider sync status of an invoice, folded from its sync streams (one per provider it was ever synced
 * to): always current, no read model to wait for. At most five streams per invoice.
 */
export interface SyncOperationView {
  readonly operation: string;
  readonly source_event_id: string;
  readonly status: SyncOperationState['status'];
  readonly attempts: number;
  readonly requested_at: string;
  readonly updated_at: string;
  readonly next_attempt_at: string | null;
  readonly last_error: string | null;
}

export interface ProviderSyncView {
  readonly provider: string;
  /** `failed` if anything failed for good, else `retrying`, `pending`, or `synced` when everything is done. */
  readonly status: 'synced' | 'pending' | 'retrying' | 'failed';
  readonly external_id: string | null;
  readonly payment_link: string | null;
  readonly last_error: string | null;
  readonly operations: ReadonlyArray<SyncOperationView>;
}

const overall = (state: ProviderSyncState): ProviderSyncView['status'] => {
  const statuses = state.operations.map((operation) => operation.status);
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('retrying')) return 'retrying';
  if (statuses.includes('pending')) return 'pending';
  return 'synced';
};

export const syncView = (state: ProviderSyncState): ProviderSyncView => {
  const withErrors = state.operations.filter((operation) => operation.lastError !== undefined);
  const latest = withErrors.reduce<SyncOperationState | undefined>(
    (found, operation) => (found === undefined || operation.updatedAt >= found.updatedAt ? operation : found),
    undefined,
  );
  return {
    provider: state.provider,
    status: overall(state),
    external_id: state.externalId ?? null,
    payment_link: state.paymentLink ?? null,
    last_error: latest?.lastError ?? null,
    operations: state.operations.map((operation) => ({
      operation: operation.operation,
      source_event_id: operation.sourceEventId,
      status: operation.status,
      attempts: operation.attempt,
      requested_at: operation.requestedAt,
      updated_at: operation.updatedAt,
      next_attempt_at: operation.nextAttemptAt ?? null,
      last_error: operation.lastError ?? null,
    })),
  };
};

/** Every provider's sync of the invoice, or a store failure's tag. */
export const providerSyncStatus = async (
  store: EventStore,
  tenantId: string,
  invoiceId: string,
): Promise<E.Either<string, ReadonlyArray<ProviderSyncView>>> => {
  const views: ProviderSyncView[] = [];
  for (const provider of PROVIDER_NAMES) {
    const history = await loadStream(
      store,
      providerSyncAggregate.events,
      providerSyncStream(tenantId, invoiceId, provider),
    )();
    if (E.isLeft(history)) return E.left(history.left._tag);
    const state = foldLoaded(providerSyncAggregate.decider, history.right);
    if (state._tag === 'ProviderSyncState') views.push(syncView(state));
  }
  return E.right(views);
};
