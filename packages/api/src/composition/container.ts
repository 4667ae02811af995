import 'reflect-metadata';

import { randomUUID } from 'node:crypto';

import type { ApprovalDeps, EventStore } from '@accrue/domain';
import type { ReadModelStore } from '@accrue/projections';
import { createKeyedMutex } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { DependencyContainer } from 'tsyringe';
import { container as rootContainer, instanceCachingFactory } from 'tsyringe';

import { openEventStore } from './openEventStore.js';
import { openReadModels } from './openReadModels.js';
import type { ReadStoreConfig } from './readStoreConfig.js';
import { parseReadStoreConfig } from './readStoreConfig.js';
import type { StoreConfig } from './storeConfig.js';
import { parseStoreConfig } from './storeConfig.js';
import type { Clock, IdGenerator } from './tokens.js';
import { Tokens } from './tokens.js';

export interface Runtime {
  readonly container: DependencyContainer;
  /** The environment the runtime was created from (seller settings, provider connections…). */
  readonly env: NodeJS.ProcessEnv;
  readonly config: StoreConfig;
  readonly readStoreConfig: ReadStoreConfig;
  /** The read-model database, opened on first use (commands that only touch the log never open it). */
  readonly readModels: () => Promise<ReadModelStore>;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly approval: ApprovalDeps;
  readonly close: () => Promise<void>;
}

export { nativeSha256 } from './sha256.js';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * The composition root: reads the environment once, opens the store, and wires everything with tsyringe
 * (typed tokens, factories, no decorators). Everything is resolved here, at start-up, never per request.
 */
export const createRuntime = async (env: NodeJS.ProcessEnv = process.env): Promise<Runtime> => {
  const parsed = parseStoreConfig(env['ACCRUE_STORE']);
  if (E.isLeft(parsed)) throw new ConfigurationError(parsed.left);
  const readStore = parseReadStoreConfig(env['ACCRUE_READ_STORE'], parsed.right);
  if (E.isLeft(readStore)) throw new ConfigurationError(readStore.left);
  const store = await openEventStore(parsed.right);
  let readModels: Promise<ReadModelStore> | undefined;

  const container = rootContainer.createChildContainer();
  container.register(Tokens.StoreConfig, { useValue: parsed.right });
  container.register(Tokens.EventStore, { useValue: store });
  container.register(Tokens.Clock, { useValue: { now: () => new Date().toISOString() } });
  container.register(Tokens.Ids, { useValue: { next: () => randomUUID() } });
  container.register(Tokens.ApprovalDeps, {
    useFactory: instanceCachingFactory((c): ApprovalDeps => ({
      store: c.resolve(Tokens.EventStore),
      seriesLocks: createKeyedMutex(),
    })),
  });

  return {
    container,
    env,
    config: parsed.right,
    readStoreConfig: readStore.right,
    readModels: () => (readModels ??= openReadModels(readStore.right)),
    store,
    clock: container.resolve(Tokens.Clock),
    ids: container.resolve(Tokens.Ids),
    approval: container.resolve(Tokens.ApprovalDeps),
    close: async () => {
      if (readModels !== undefined) await (await readModels).close();
      await store.close();
      container.clearInstances();
    },
  };
};
