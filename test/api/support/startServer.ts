import type { FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';

import { createRuntime } from '@accrue/api';
import type { Runtime } from '@accrue/api';
import { allProjections, createProjectionRunner, createReadModelQueries } from '@accrue/projections';
import type { ProjectionRunner } from '@accrue/projections';

import { loadApiKeys } from '../../../packages/api/src/server/apiKeys.js';
import { buildApp } from '../../../packages/api/src/server/app.js';
import { loadServerConfig } from '../../../packages/api/src/server/serverConfig.js';

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly runner: ProjectionRunner;
  /** Graceful stop, as `main.ts` does it: close HTTP, stop the runner, close the stores. */
  readonly stop: () => Promise<void>;
}

/**
 * The server as `pnpm start` composes it (runtime, read models, caught-up runner, app), listening on
 * 127.0.0.1 on a free port. A proposal for the lead: `main.ts` could call the same function.
 */
export const startServer = async (env: NodeJS.ProcessEnv): Promise<RunningServer> => {
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
  const app = await buildApp({
    runtime,
    readModels,
    runner,
    queries: createReadModelQueries(readModels),
    apiKeys: apiKeys.right,
    config: config.right,
  });
  runner.start();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    runtime,
    runner,
    stop: async () => {
      await app.close();
      await runner.stop();
      await runtime.close();
    },
  };
};
