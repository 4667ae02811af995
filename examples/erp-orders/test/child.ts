import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** A TypeScript script of this example run as its own Node process (sources through tsx), read by line. */
export interface ChildScript {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly lines: ReadonlyArray<string>;
  /** Resolves with the first stdout line (past or future) matching; rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<RegExpExecArray>;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

export const spawnScript = (script: string, args: ReadonlyArray<string>): ChildScript => {
  const child = spawn(process.execPath, ['--conditions=@accrue/source', '--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of [...listeners]) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const listener of [...listeners]) listener();
    });
  });
  const waitForLine = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (const line of lines) {
          const match = pattern.exec(line);
          if (match !== null) {
            listeners.delete(check);
            resolve(match);
            return;
          }
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(
            new Error(`${script} exited before printing ${String(pattern)}:\n${lines.join('\n')}\n${stderr}`),
          );
        }
      };
      listeners.add(check);
      check();
    });
  return { child, lines, waitForLine, exited };
};
