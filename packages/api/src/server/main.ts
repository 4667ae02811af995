#!/usr/bin/env node
/**
 * `pnpm start`: the Accrue server on the configured store (embedded SQLite by default). Opens the log and the
 * read models, catches the projections up and follows the log, settles number reservations a crash left
 * behind, then serves HTTP. SIGINT/SIGTERM: finish in-flight requests, stop the runner, close the stores.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pino } from 'pino';

import { Timestamp, recoverNumberReservations } from '@accrue/domain';
import { allProjections, createProjectionRunner, createReadModelQueries } from '@accrue/projections';

import { createRuntime, describeStore, nativeSha256 } from '../index.js';
import { loadProviderSync } from '../sync/index.js';
import { loadApiKeys } from './apiKeys.js';
import { buildApp } from './app.js';
import { loadServerConfig } from './serverConfig.js';

const fail = (message: string): never => {
  process.stderr.write(`accrue: ${message}\n`);
  process.exit(2);
};

const config = loadServerConfig(process.env);
if (E.isLeft(config)) fail(config.left);
const apiKeys = loadApiKeys(process.env);
if (E.isLeft(apiKeys)) fail(apiKeys.left);
if (E.isLeft(config) || E.isLeft(apiKeys)) process.exit(2);

const runtime = await createRuntime(process.env);
const readModels = await runtime.readModels();
const runner = createProjectionRunner({
  events: runtime.store,
  readModels,
  projections: allProjections,
  onError: (error) => {
    process.stderr.write(
      `accrue: projection runner: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  },
});
await runner.initialise();
await runner.catchUp();

// Reservations older than a minute were abandoned by a crash (an approval takes milliseconds).
const now = runtime.clock.now();
if (Timestamp.is(now)) {
  const cutoff = Date.parse(now) - 60_000;
  const recovered = await recoverNumberReservations(runtime.store, {
    now,
    isStale: (reservedAt) => Date.parse(reservedAt) <= cutoff,
    actor: 'accrue:startup-recovery',
  })();
  if (E.isRight(recovered) && recovered.right.length > 0) {
    process.stderr.write(
      `accrue: settled ${String(recovered.right.length)} abandoned number reservation(s)\n`,
    );
  }
}

// Provider sync (ACCRUE_PROVIDERS): off when unset; an invalid configuration stops the start with every problem.
const sync = await loadProviderSync(process.env, {
  store: runtime.store,
  readModels,
  sha256: nativeSha256,
  log: pino({ level: config.right.logLevel, base: { component: 'provider-sync' } }),
});
if (E.isLeft(sync)) {
  await runtime.close();
  fail(sync.left);
}
const providerSync = E.isRight(sync) ? sync.right : undefined;

const app = await buildApp({
  runtime,
  readModels,
  runner,
  queries: createReadModelQueries(readModels),
  apiKeys: apiKeys.right,
  config: config.right,
  ...(providerSync === undefined ? {} : { sync: providerSync }),
});
runner.start();
await providerSync?.start();
const address = await app.listen({ host: config.right.host, port: config.right.port });
app.log.info({ store: describeStore(runtime.config), address }, 'accrue listening');
if (apiKeys.right.generatedDevelopmentKey !== undefined) {
  // Printed once, on stdout, so the person who started the server can use it; never logged.
  process.stdout.write(
    `\nNo ACCRUE_API_KEYS configured: created a development key for tenant "dev" (valid until restart):\n\n  ${apiKeys.right.generatedDevelopmentKey}\n\nUse it as: Authorization: Bearer <key>\n\n`,
  );
}
process.stdout.write(`Accrue listening on ${address} (store: ${describeStore(runtime.config)})\n`);
if (providerSync !== undefined) {
  const connections = providerSync.connections.all.map((c) => `${c.tenantId}/${c.provider}`).join(', ');
  process.stdout.write(`Provider sync on (${providerSync.config.source}): ${connections}\n`);
}

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  await app.close();
  await providerSync?.stop();
  await runner.stop();
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
