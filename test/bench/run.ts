/**
 * `pnpm bench`: every benchmark in one run, with the machine it ran on. Figures go to stdout as a short
 * report; pass names (e.g. `pnpm bench calculation`) to run a subset.
 */
import * as os from 'node:os';

import { benchCalculation } from './calculation.bench.js';
import { benchHttp } from './http.bench.js';
import { benchRebuild } from './rebuild.bench.js';
import { benchWriteSidePostgres, benchWriteSideSqlite } from './writeSide.bench.js';
import type { BenchReport } from './report.js';
import { printReport } from './report.js';

const suites: Record<string, () => Promise<BenchReport>> = {
  calculation: benchCalculation,
  'write-sqlite': benchWriteSideSqlite,
  'write-postgres': benchWriteSidePostgres,
  rebuild: benchRebuild,
  http: benchHttp,
};

const wanted = process.argv.slice(2);
const selected = Object.entries(suites).filter(([name]) => wanted.length === 0 || wanted.includes(name));
if (selected.length === 0) {
  console.error(`unknown benchmark; choose from: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}

console.log(
  `# Accrue benchmarks — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
for (const [, run] of selected) printReport(await run());
