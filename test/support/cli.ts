import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `accrue` CLI the way the root script does, with its own environment and standard input. */
export const accrue = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string } = {},
): CliRun => {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@accrue/source', '--import', 'tsx', 'packages/api/src/cli/main.ts', ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, ...options.env },
      ...(options.input === undefined ? {} : { input: options.input }),
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};
