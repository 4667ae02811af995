import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import type { ProviderName } from '@accrue/adapters/providers';
import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import type {
  CommandContext,
  EventStore,
  InvoiceEvent,
  ProviderSyncEvent,
  RetryPolicy,
} from '@accrue/domain';
import {
  InvoiceCommand,
  ApprovalRequest,
  approveInvoice,
  createKeyedMutex,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  loadStream,
  providerSyncAggregate,
  providerSyncStream,
} from '@accrue/domain';
import { decode } from '@accrue/domain/testing';
import type { ReadModelStore } from '@accrue/projections';
import * as E from 'fp-ts/lib/Either.js';

import type { ProviderRegistry, ProviderSync, SyncLog } from '../../../packages/api/src/sync/index.js';
import {
  connectProviders,
  createProviderSync,
  parseProvidersConfig,
} from '../../../packages/api/src/sync/index.js';
import type { ManualClock } from './manualClock.js';
import { createManualClock } from './manualClock.js';

export const TENANT = 'acme';

/** Fast, jitter-free retries for tests: 1 s, 2 s, 4 s … up to 5 attempts. */
export const TEST_RETRY: Partial<RetryPolicy> = {
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: 0.5,
  maxAttempts: 5,
};

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly details: Record<string, unknown>;
  readonly message: string;
}

export const recordingLog = (): SyncLog & { readonly lines: LogLine[] } => {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (details, message) => lines.push({ level: 'info', details, message }),
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    error: (details, message) => lines.push({ level: 'error', details, message }),
  };
};

export interface WorldOptions {
  readonly connections: ReadonlyArray<Record<string, unknown>>;
  readonly registry: ProviderRegistry;
  readonly retry?: Partial<RetryPolicy>;
  /** Wraps the event store the sync sees (fault injection). */
  readonly storeForSync?: (store: EventStore) => EventStore;
  readonly readModelsForSync?: (readModels: ReadModelStore) => ReadModelStore;
}

/** A memory log, SQLite read models in a temporary folder, a manual clock, and the sync over them. */
export interface World {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly clock: ManualClock;
  readonly log: ReturnType<typeof recordingLog>;
  sync: ProviderSync;
  /** Starts a new sync on the same log and tables (a restart), after stopping the current one. */
  readonly restart: (options?: Partial<WorldOptions>) => Promise<ProviderSync>;
  readonly createDraft: (id: string, amount?: string) => Promise<void>;
  readonly approve: (id: string) => Promise<void>;
  readonly createApproved: (id: string, amount?: string) => Promise<void>;
  readonly invoiceCommand: (
    id: string,
    type: string,
    data: Record<string, unknown>,
    context?: Partial<CommandContext>,
  ) => Promise<void>;
  readonly invoiceEvents: (id: string) => Promise<ReadonlyArray<InvoiceEvent>>;
  readonly syncEvents: (id: string, provider: ProviderName) => Promise<ReadonlyArray<ProviderSyncEvent>>;
  readonly close: () => Promise<void>;
}

let commandCounter = 0;

export const createWorld = async (options: WorldOptions): Promise<World> => {
  const dir = mkdtempSync(join(tmpdir(), 'accrue-sync-'));
  const store = createMemoryEventStore();
  const readModels = createSqliteReadModelStore({ path: join(dir, 'read.db') });
  const clock = createManualClock();
  const log = recordingLog();
  const seriesLocks = createKeyedMutex();
  let random = 0;

  const build = async (overrides: Partial<WorldOptions> = {}): Promise<ProviderSync> => {
    const settings = { ...options, ...overrides };
    const config = parseProvidersConfig(
      JSON.stringify({ connections: settings.connections, retry: settings.retry ?? TEST_RETRY }),
      {},
      'inline',
    );
    if (E.isLeft(config)) throw new Error(config.left.problems.join('\n'));
    const connections = await connectProviders(config.right, settings.registry, { now: () => clock.date() });
    if (E.isLeft(connections)) throw new Error(connections.left.problems.join('\n'));
    const sync = await createProviderSync({
      store: settings.storeForSync?.(store) ?? store,
      readModels: settings.readModelsForSync?.(readModels) ?? readModels,
      config: config.right,
      connections: connections.right,
      clock,
      // Deterministic draws: 0, 0.25, 0.5, 0.75, 0 …
      random: () => {
        const draw = (random % 4) / 4;
        random += 1;
        return draw;
      },
      log,
    });
    return sync;
  };

  const now = () => clock.date().toISOString();
  const context = (overrides: Partial<CommandContext> = {}): CommandContext => {
    commandCounter += 1;
    return {
      tenantId: TENANT,
      commandId: `test-command-${String(commandCounter)}`,
      actor: 'test',
      now: now(),
      ...overrides,
    };
  };

  const invoiceCommand: World['invoiceCommand'] = async (id, type, data, overrides = {}) => {
    const command = decode(InvoiceCommand, {
      type,
      data: { invoiceId: id, tenantId: TENANT, now: now(), ...data },
    });
    const outcome = await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream(TENANT, id),
      command,
      context(overrides),
    )();
    if (E.isLeft(outcome)) throw new Error(`${type} refused: ${JSON.stringify(outcome.left)}`);
  };

  const createDraft: World['createDraft'] = (id, amount = '100.00') =>
    invoiceCommand(id, 'CreateDraftInvoice', {
      currency: 'EUR',
      customer: { id: 'cust-1', name: 'Buyer GmbH' },
      issueDate: '2026-11-21',
      lines: [
        {
          id: '1',
          description: 'Consulting',
          quantity: '1',
          netPrice: amount,
          vat: { category: 'S', rate: '19' },
        },
      ],
    });

  const approve: World['approve'] = async (id) => {
    const outcome = await approveInvoice(
      { store, seriesLocks },
      decode(ApprovalRequest, { tenantId: TENANT, invoiceId: id, now: now() }),
      context(),
    )();
    if (E.isLeft(outcome)) throw new Error(`approval refused: ${JSON.stringify(outcome.left)}`);
  };

  const world: World = {
    store,
    readModels,
    clock,
    log,
    sync: await build(),
    restart: async (overrides) => {
      await world.sync.stop();
      world.sync = await build(overrides);
      return world.sync;
    },
    createDraft,
    approve,
    createApproved: async (id, amount) => {
      await createDraft(id, amount);
      await approve(id);
    },
    invoiceCommand,
    invoiceEvents: async (id) => {
      const history = await loadStream(store, invoiceAggregate.events, invoiceStream(TENANT, id))();
      if (E.isLeft(history)) throw new Error(history.left._tag);
      return history.right.map((loaded) => loaded.event);
    },
    syncEvents: async (id, provider) => {
      const history = await loadStream(
        store,
        providerSyncAggregate.events,
        providerSyncStream(TENANT, id, provider),
      )();
      if (E.isLeft(history)) throw new Error(history.left._tag);
      return history.right.map((loaded) => loaded.event);
    },
    close: async () => {
      await world.sync.stop();
      await readModels.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
};

/** The events' types and operations, compactly: `Requested issue 1`, `Succeeded issue 1`, `Failed send 2 retry`. */
export const describeSync = (events: ReadonlyArray<ProviderSyncEvent>): ReadonlyArray<string> =>
  events.map((event) => {
    const kind = event.type.replace('ProviderSync', '');
    const base = `${kind} ${event.data.operation} ${String(event.data.attempt)}`;
    return event.type === 'ProviderSyncFailed'
      ? `${base} ${event.data.nextAttemptAt === null ? 'final' : 'retry'}`
      : base;
  });
