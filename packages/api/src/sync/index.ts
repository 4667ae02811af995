import type { EventStore, Sha256Hex } from '@accrue/domain';
import { createProviderSyncAggregate } from '@accrue/domain';
import type { ReadModelStore } from '@accrue/projections';
import * as E from 'fp-ts/lib/Either.js';

import type { SyncClock } from './clock.js';
import { systemSyncClock } from './clock.js';
import type { ProvidersConfig } from './config.js';
import { describeConfigProblems, loadProvidersConfig } from './config.js';
import type { ProviderConnections } from './connections.js';
import { connectProviders } from './connections.js';
import type { SyncExecutor } from './executor.js';
import { createSyncExecutor } from './executor.js';
import type { WebhookDelivery, WebhookOutcome } from './inbound.js';
import { createInbound } from './inbound.js';
import type { SyncLog } from './log.js';
import { silentSyncLog } from './log.js';
import { createPaymentPoller } from './poller.js';
import { createSyncReactor } from './reactor.js';
import type { ProviderRegistry } from './registry.js';
import { defaultProviderRegistry } from './registry.js';
import { openProviderSyncTables } from './tables.js';

export type { ProvidersConfig, ProviderConnectionConfig, ProvidersConfigInvalid } from './config.js';
export {
  PROVIDERS_ENV,
  describeConfigProblems,
  loadProvidersConfig,
  parseProvidersConfig,
} from './config.js';
export type { ProviderConnection, ProviderConnections } from './connections.js';
export { connectProviders, providerConnections } from './connections.js';
export type { SyncClock } from './clock.js';
export { systemSyncClock } from './clock.js';
export type { SyncLog } from './log.js';
export type { WebhookDelivery, WebhookOutcome } from './inbound.js';
export type { ConnectedProvider, ProviderModule, ProviderRegistry, ProviderRuntime } from './registry.js';
export { defaultProviderRegistry, providerModule } from './registry.js';
export type { ProviderSyncView, SyncOperationView } from './status.js';
export { providerSyncStatus } from './status.js';
export { syncIdempotencyKey, inboundActor, inboundPaymentId } from './ids.js';

/**
 * The provider sync process manager (ADR 17): the reactor follows the log and asks for operations, the executor
 * calls the providers and records the outcomes, the poller asks Dollr about payments, and inbound turns
 * webhooks into invoice commands. Off when `ACCRUE_PROVIDERS` is unset.
 */
export interface ProviderSync {
  readonly config: ProvidersConfig;
  readonly connections: ProviderConnections;
  /** Verifies a webhook delivery and records what it reports (see `WebhookOutcome`). */
  readonly handleWebhook: (delivery: WebhookDelivery) => Promise<WebhookOutcome>;
  /** Catches up with the log, resumes the work the tables hold, then follows the log and polls. */
  readonly start: () => Promise<void>;
  /**
   * Handles everything committed so far and waits until nothing is due at the clock's current time (retries
   * scheduled later stay scheduled) and no poll round runs. For tests; the server uses `start`.
   */
  readonly settle: () => Promise<void>;
  /** One round of payment polls (Dollr). */
  readonly pollOnce: () => Promise<void>;
  readonly executor: SyncExecutor;
  readonly stop: () => Promise<void>;
}

export interface ProviderSyncDeps {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly config: ProvidersConfig;
  readonly connections: ProviderConnections;
  readonly clock?: SyncClock;
  /** A draw in [0, 1) for retry jitter (default `Math.random`). */
  readonly random?: () => number;
  readonly log?: SyncLog;
  readonly sha256?: Sha256Hex;
  /** Streams worked on at once (default 4). */
  readonly concurrency?: number;
}

export const createProviderSync = async (deps: ProviderSyncDeps): Promise<ProviderSync> => {
  const clock = deps.clock ?? systemSyncClock;
  const log = deps.log ?? silentSyncLog;
  const tables = await openProviderSyncTables(deps.readModels);
  const aggregate = createProviderSyncAggregate(deps.config.retry);
  const common = {
    store: deps.store,
    connections: deps.connections,
    clock,
    log,
    ...(deps.sha256 === undefined ? {} : { sha256: deps.sha256 }),
  };
  const executor = createSyncExecutor({
    ...common,
    aggregate,
    ...(deps.random === undefined ? {} : { random: deps.random }),
    ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
    onIssued: (key, externalId) => tables.saveLink(key.provider, externalId, key),
  });
  const reactor = createSyncReactor({
    ...common,
    tables,
    aggregate,
    onWork: (keys) => {
      for (const key of keys) executor.kick(key);
    },
  });
  const inbound = createInbound({ ...common, tables });
  const poller = createPaymentPoller({ ...common, tables, inbound, intervalMs: deps.config.pollIntervalMs });
  let initialised: Promise<void> | undefined;
  const initialise = (): Promise<void> =>
    (initialised ??= (async () => {
      await reactor.initialise();
      await reactor.catchUp();
      for (const row of await tables.dueStreams()) {
        if (row.dueAt !== undefined) executor.scheduleAt(row, Date.parse(row.dueAt));
      }
    })().catch((error: unknown) => {
      // A failed start (the store was down) is tried again by the next call.
      initialised = undefined;
      throw error;
    }));

  const nothingNew = async (): Promise<boolean> => {
    const checkpoint = await tables.checkpoint();
    const next = await deps.store.readAll({
      ...(checkpoint === undefined ? {} : { after: checkpoint }),
      maxCount: 1,
    })();
    return E.isRight(next) && next.right.events.length === 0;
  };

  return {
    config: deps.config,
    connections: deps.connections,
    handleWebhook: inbound.handleWebhook,
    executor,
    start: async () => {
      await initialise();
      reactor.start();
      poller.start();
    },
    settle: async () => {
      await initialise();
      for (;;) {
        await poller.idle();
        await reactor.catchUp();
        await executor.idle();
        if (await nothingNew()) return;
      }
    },
    pollOnce: poller.pollOnce,
    stop: async () => {
      await poller.stop();
      await reactor.stop();
      await executor.stop();
    },
  };
};

export interface ProviderSyncOptions {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly registry?: ProviderRegistry;
  readonly clock?: SyncClock;
  readonly random?: () => number;
  readonly log?: SyncLog;
  readonly sha256?: Sha256Hex;
}

/**
 * The sync as `ACCRUE_PROVIDERS` configures it: undefined when unset (sync off), an error message listing every
 * problem when the configuration or a connection is invalid, else the (not yet started) process manager.
 */
export const loadProviderSync = async (
  env: NodeJS.ProcessEnv,
  options: ProviderSyncOptions,
): Promise<E.Either<string, ProviderSync | undefined>> => {
  const config = loadProvidersConfig(env);
  const clock = options.clock ?? systemSyncClock;
  const connect = (valid: ProvidersConfig) =>
    connectProviders(valid, options.registry ?? defaultProviderRegistry, {
      now: () => new Date(clock.now()),
    });
  if (E.isLeft(config)) {
    // The adapters check the connections that passed, so one start reports every problem.
    const more = config.left.valid === undefined ? E.right(undefined) : await connect(config.left.valid);
    const problems = [...config.left.problems, ...(E.isLeft(more) ? more.left.problems : [])];
    return E.left(describeConfigProblems({ _tag: 'ProvidersConfigInvalid', problems }));
  }
  if (config.right === undefined) return E.right(undefined);
  const connections = await connect(config.right);
  if (E.isLeft(connections)) return E.left(describeConfigProblems(connections.left));
  const log = options.log ?? silentSyncLog;
  for (const connection of connections.right.all)
    if (connection.verifier !== undefined && connection.webhookSecret === undefined)
      log.warn(
        { tenantId: connection.tenantId, provider: connection.provider },
        'no webhookSecret: payments and deliveries at this provider will not come back to Accrue',
      );
  return E.right(
    await createProviderSync({
      store: options.store,
      readModels: options.readModels,
      config: config.right,
      connections: connections.right,
      clock,
      log,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
    }),
  );
};
