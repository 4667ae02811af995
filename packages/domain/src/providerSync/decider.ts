import type { Aggregate } from '../commandHandling/handleCommand.js';
import { noUpcasters } from '../commandHandling/upcasting.js';
import type { Decider } from '../shared/decider.js';
import type { RetryPolicy } from './backoff.js';
import { DEFAULT_RETRY_POLICY } from './backoff.js';
import type { ProviderSyncCommand } from './commands.js';
import { decideProviderSync } from './decide.js';
import type { ProviderSyncError } from './errors.js';
import { ProviderSyncEvent } from './events.js';
import type { ProviderSync } from './state.js';
import { evolveProviderSync, initialProviderSyncState } from './state.js';

export type ProviderSyncDecider = Decider<
  ProviderSyncCommand,
  ProviderSyncEvent,
  ProviderSync,
  ProviderSyncError
>;

/**
 * The provider sync aggregate as a decider, under a retry policy (see `decideProviderSync`). The policy only
 * shapes decisions; folding a stream never depends on it.
 */
export const createProviderSyncDecider = (
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): ProviderSyncDecider => ({
  decide: decideProviderSync(policy),
  evolve: evolveProviderSync,
  initialState: initialProviderSyncState,
});

export const providerSyncDecider: ProviderSyncDecider = createProviderSyncDecider();

/** The aggregate as the command handler runs it: decider, event codec, schema history (version 1). */
export type ProviderSyncAggregate = Aggregate<
  ProviderSyncCommand,
  ProviderSyncEvent,
  ProviderSync,
  ProviderSyncError
>;

export const createProviderSyncAggregate = (
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): ProviderSyncAggregate => ({
  decider: createProviderSyncDecider(policy),
  events: { codec: ProviderSyncEvent, schema: noUpcasters(1) },
});

export const providerSyncAggregate: ProviderSyncAggregate = createProviderSyncAggregate();
