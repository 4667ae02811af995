import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createSqliteEventStore } from '@accrue/adapters/sqlite';

import { generateLog } from './logGenerator.js';
import type { BenchReport, BenchRow } from './report.js';

const child = fileURLToPath(new URL('./rebuildChild.js', import.meta.url));

/**
 * Rebuild throughput from the SQLite log into SQLite read models, every projection, at two log sizes. Each
 * rebuild runs in a fresh process so its peak memory (max RSS) is its own; flat memory means the 1M figure stays
 * close to the 200k one. `ACCRUE_BENCH_REBUILD_SIZES` (default `200000,1000000`) picks the sizes, e.g. `20000` for
 * a quick run; the child's `ACCRUE_BENCH_REBUILD_MODE` and `ACCRUE_BENCH_REBUILD_BATCH` pass through.
 */
export const benchRebuild = async (): Promise<BenchReport> => {
  const folder = mkdtempSync(join(tmpdir(), 'accrue-rebuild-'));
  const rows: BenchRow[] = [];
  try {
    const sizes = (process.env['ACCRUE_BENCH_REBUILD_SIZES'] ?? '200000,1000000').split(',').map(Number);
    const logPath = join(folder, 'log.db');
    const store = createSqliteEventStore({ path: logPath, maxBatch: 2000 });
    let events = 0;
    for (const size of sizes) {
      events += await generateLog(store, size - events, `s${String(size)}`);
      const run = spawnSync(process.execPath, [child, logPath, join(folder, `read-${String(size)}.db`)], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (run.status !== 0) throw new Error(`rebuild child failed: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
        mode: string;
        events: number;
        seconds: number;
        cpuSeconds: number;
        maxRssMiB: number;
      };
      const rate = result.events / result.seconds;
      // Events per CPU-second too: on a busy machine the wall-clock rate says more about the neighbours.
      const cpuRate = result.events / result.cpuSeconds;
      rows.push({
        name: `rebuild all read models from ${result.events.toLocaleString('en')} events (SQLite → SQLite, ${result.mode})`,
        value: `${Math.round(rate).toLocaleString('en')} events/s (${Math.round(cpuRate).toLocaleString('en')} per CPU-second), peak RSS ${String(result.maxRssMiB)} MiB`,
        target: '≥ 100,000 events/s, memory flat as the log grows',
        met: rate >= 100_000,
      });
    }
    await store.close();
    return { title: 'Read side: rebuild', rows };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
};
