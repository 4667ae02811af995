import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { allProjections } from '@accrue/projections';

import { accrue } from '../support/cli.js';

/** `accrue rebuild` end to end on a SQLite store holding a few invoices' lifecycles (written by `accrue demo`). */
describe('accrue rebuild', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'accrue-rebuild-'));
    env = { ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}` };
    for (let i = 0; i < 3; i += 1) expect(accrue(['demo'], { env }).status).toBe(0);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { rebuilt: string; events: number; position: string });

  it('rebuilds every read model in one pass and reports one JSON line each, with progress on stderr', () => {
    const run = accrue(['rebuild'], { env });
    expect(run.status, run.stderr).toBe(0);
    const reported = lines(run.stdout);
    expect(reported.map((line) => line.rebuilt)).toEqual(allProjections.map((projection) => projection.name));
    const [first] = reported;
    expect(first?.events).toBeGreaterThan(0);
    // One pass: every read model reached the same position with the same events read.
    expect(new Set(reported.map((line) => `${String(line.events)}@${line.position}`)).size).toBe(1);
    expect(run.stderr).toMatch(/^rebuild 5 read models: position \d+\/\d+ \(100%\)/m);
    // The read models still answer after the switch-over: a second rebuild reads the same log.
    const again = accrue(['rebuild', 'invoices'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(lines(again.stdout)).toEqual([
      expect.objectContaining({ rebuilt: 'invoices', position: first?.position }),
    ]);
  });

  it('refuses an unknown read model with exit 2', () => {
    const run = accrue(['rebuild', 'nope'], { env });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown read model "nope"');
  });
});
