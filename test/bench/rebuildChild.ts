/** Child process of the rebuild benchmark: rebuilds every projection into a fresh read-model file. */
import { createSqliteEventStore, createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import { allProjections, createProjectionRunner } from '@accrue/projections';

const [logPath, readPath] = process.argv.slice(2);
if (logPath === undefined || readPath === undefined) throw new Error('usage: rebuildChild LOG READ');

const events = createSqliteEventStore({ path: logPath });
const readModels = createSqliteReadModelStore({ path: readPath });
const runner = createProjectionRunner({ events, readModels, projections: allProjections, batchSize: 2000 });
await runner.initialise();
const started = performance.now();
const position = await runner.catchUp();
const seconds = (performance.now() - started) / 1000;
// SQLite positions are contiguous from 1, so the last position is the number of events read.
const count = Number(position ?? 0n);
console.log(
  JSON.stringify({ events: count, seconds, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }),
);
await readModels.close();
await events.close();
