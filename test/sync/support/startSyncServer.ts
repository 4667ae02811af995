import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';

import type { Runtime } from '@accrue/api';
import { createRuntime, nativeSha256 } from '@accrue/api';
import type { ProjectionRunner } from '@accrue/projections';
import { allProjections, createProjectionRunner, createReadModelQueries } from '@accrue/projections';

import { loadApiKeys } from '../../../packages/api/src/server/apiKeys.js';
import { buildApp } from '../../../packages/api/src/server/app.js';
import { loadServerConfig } from '../../../packages/api/src/server/serverConfig.js';
import type {
  ProviderRegistry,
  ProviderSync,
  SyncClock,
  SyncLog,
} from '../../../packages/api/src/sync/index.js';
import { loadProviderSync } from '../../../packages/api/src/sync/index.js';

export interface RunningSyncServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly runner: ProjectionRunner;
  /** Undefined when `ACCRUE_PROVIDERS` is unset. */
  readonly sync: ProviderSync | undefined;
  readonly stop: () => Promise<void>;
}

export interface SyncServerOptions {
  readonly registry?: ProviderRegistry;
  readonly clock?: SyncClock;
  readonly random?: () => number;
  readonly log?: SyncLog;
}

/**
 * The server as `main.ts` composes it, provider sync included (`ACCRUE_PROVIDERS` from `env`, with an injected
 * registry and clock), listening on 127.0.0.1 on a free port: real HTTP, so webhooks are signed over real bytes.
 */
export const startSyncServer = async (
  env: NodeJS.ProcessEnv,
  options: SyncServerOptions = {},
): Promise<RunningSyncServer> => {
  const config = loadServerConfig({ LOG_LEVEL: 'silent', ...env, HOST: '127.0.0.1', PORT: '0' });
  const apiKeys = loadApiKeys(env);
  if (E.isLeft(config)) throw new Error(config.left);
  if (E.isLeft(apiKeys)) throw new Error(apiKeys.left);
  const runtime = await createRuntime(env);
  const readModels = await runtime.readModels();
  const runner = createProjectionRunner({
    events: runtime.store,
    readModels,
    projections: allProjections,
    retryDelayMs: 50,
  });
  await runner.initialise();
  await runner.catchUp();
  const loaded = await loadProviderSync(env, {
    store: runtime.store,
    readModels,
    sha256: nativeSha256,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  if (E.isLeft(loaded)) {
    await runtime.close();
    throw new Error(loaded.left);
  }
  const sync = loaded.right;
  const app = await buildApp({
    runtime,
    readModels,
    runner,
    queries: createReadModelQueries(readModels),
    apiKeys: apiKeys.right,
    config: config.right,
    ...(sync === undefined ? {} : { sync }),
  });
  runner.start();
  await sync?.start();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    runtime,
    runner,
    sync,
    stop: async () => {
      await app.close();
      await sync?.stop();
      await runner.stop();
      await runtime.close();
    },
  };
};

/** A small HTTP client for the suites: JSON in, JSON (or text) out. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export const http = async (
  url: string,
  method: string,
  path: string,
  options: {
    readonly key?: string;
    readonly json?: unknown;
    readonly body?: string | Buffer;
    readonly headers?: Record<string, string>;
  } = {},
): Promise<Reply> => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
      ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.json !== undefined
      ? { body: JSON.stringify(options.json) }
      : options.body !== undefined
        ? { body: options.body }
        : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
};

/** A draft body for `POST /v1/invoices`. */
export const draftBody = (unitPrice = '100.00', quantity = '1'): Record<string, unknown> => ({
  customer: {
    id: 'cust-1',
    name: 'Buyer GmbH',
    email: 'ap@buyer.example',
    address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
  },
  currency: 'EUR',
  issue_date: '2026-11-21',
  payment_terms_days: 14,
  lines: [{ description: 'Consulting', quantity, unit_price: unitPrice, tax_category: 'S', tax_rate: '19' }],
});
