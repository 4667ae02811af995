/**
 * Child process of the rebuild benchmark: rebuilds every projection from the log into a fresh read-model file,
 * and prints one JSON line with the events applied, the seconds it took and the process's peak memory.
 *
 * `ACCRUE_BENCH_REBUILD_MODE`: `rebuild` (default) is `accrue rebuild` of every read model: new generations filled
 * in one pass beside the live ones, indexed, then switched over; `catch-up` is a server's first start on an empty
 * read-model store (the live generations filled from position 0). `ACCRUE_BENCH_REBUILD_BATCH` and
 * `ACCRUE_BENCH_REBUILD_TX` override the runner's `batchSize` and `transactionEvents` (defaults: the runner's own,
 * as `accrue rebuild` and the server run it).
 */
import { createSqliteEventStore, createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import { allProjections, createProjectionRunner } from '@accrue/projections';

const [logPath, readPath] = process.argv.slice(2);
if (logPath === undefined || readPath === undefined) throw new Error('usage: rebuildChild LOG READ');
const mode = process.env['ACCRUE_BENCH_REBUILD_MODE'] ?? 'rebuild';
if (mode !== 'rebuild' && mode !== 'catch-up') throw new Error(`unknown ACCRUE_BENCH_REBUILD_MODE ${mode}`);
// The runner's defaults unless told otherwise: what `accrue rebuild` and the server use.
const batch = process.env['ACCRUE_BENCH_REBUILD_BATCH'];
const transaction = process.env['ACCRUE_BENCH_REBUILD_TX'];

const events = createSqliteEventStore({ path: logPath });
const readModels = createSqliteReadModelStore({ path: readPath });
const runner = createProjectionRunner({
  events,
  readModels,
  projections: allProjections,
  ...(batch === undefined ? {} : { batchSize: Number(batch) }),
  ...(transaction === undefined ? {} : { transactionEvents: Number(transaction) }),
});
await runner.initialise();
const started = performance.now();
let count: number;
if (mode === 'rebuild') {
  const result = await runner.rebuild(allProjections.map((projection) => projection.name));
  count = result.events;
} else {
  // SQLite positions are contiguous from 1, so the last position is the number of events read.
  count = Number((await runner.catchUp()) ?? 0n);
}
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    mode,
    events: count,
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    maxRssMiB: Math.round(usage.maxRSS / 1024),
  }),
);
await readModels.close();
await events.close();
