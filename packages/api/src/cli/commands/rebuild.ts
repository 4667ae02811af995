import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';

import type { RebuildProgress } from '@accrue/projections';
import { allProjections, createProjectionRunner } from '@accrue/projections';

import type { CliIo } from '../io.js';
import { toJson, withRuntime } from '../runtime.js';

/**
 * `accrue rebuild [NAME]`: fills a new generation of one read model (or all, in one pass over the log) from
 * position 0 beside the live one, then switches readers over. One JSON line per read model on stdout. On a terminal it shows a progress bar with events/s and ETA; otherwise one
 * plain progress line per second, so logs stay readable.
 */
export const registerRebuildCommand = (program: Command, io: CliIo): void => {
  program
    .command('rebuild')
    .description(
      `rebuild read models from the log (${allProjections.map((p) => p.name).join(', ')}); all by default`,
    )
    .argument('[name]', 'one read model')
    .action(async (name: string | undefined) => {
      const selected = name === undefined ? allProjections : allProjections.filter((p) => p.name === name);
      if (selected.length === 0) {
        io.writeError(
          `accrue rebuild: unknown read model "${name ?? ''}" (known: ${allProjections.map((p) => p.name).join(', ')})`,
        );
        io.setExitCode(2);
        return;
      }
      await withRuntime(io, async (runtime) => {
        const runner = createProjectionRunner({
          events: runtime.store,
          readModels: await runtime.readModels(),
          projections: allProjections,
        });
        await runner.initialise();
        // All the selected read models are filled in one pass over the log, then switched over one by one.
        const label =
          selected.length === 1 ? (selected[0]?.name ?? '') : `${String(selected.length)} read models`;
        const report = io.isTty ? barReporter(label) : lineReporter(io, label);
        const result = await runner.rebuild(
          selected.map((projection) => projection.name),
          report.update,
        );
        report.stop();
        for (const projection of selected) {
          io.writeLine(
            toJson({
              rebuilt: projection.name,
              events: result.events,
              position: result.position,
              eventsPerSecond: Math.round(result.eventsPerSecond),
            }),
          );
        }
      });
    });
};

interface Reporter {
  readonly update: (progress: RebuildProgress) => void;
  readonly stop: () => void;
}

const barReporter = (name: string): Reporter => {
  const bar = new SingleBar({
    format: `${name} [{bar}] {percentage}% | {value}/{total} | {rate} events/s | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    update: (progress) => {
      const total = Number(progress.head);
      if (!started) {
        bar.start(total, 0, { rate: '0' });
        started = true;
      }
      bar.setTotal(total);
      bar.update(Number(progress.position), {
        rate: Math.round(progress.eventsPerSecond).toLocaleString('en'),
      });
    },
    stop: () => {
      bar.stop();
    },
  };
};

const lineReporter = (io: CliIo, name: string): Reporter => {
  let last = 0;
  return {
    update: (progress) => {
      const now = performance.now();
      if (now - last < 1000 && progress.position < progress.head) return;
      last = now;
      const percent = progress.head > 0n ? Number((progress.position * 100n) / progress.head) : 100;
      const eta = progress.etaSeconds === undefined ? '?' : `${Math.ceil(progress.etaSeconds)}s`;
      io.writeError(
        `rebuild ${name}: position ${progress.position.toString()}/${progress.head.toString()} (${String(percent)}%), ${Math.round(progress.eventsPerSecond).toLocaleString('en')} events/s, ETA ${eta}`,
      );
    },
    stop: () => undefined,
  };
};
