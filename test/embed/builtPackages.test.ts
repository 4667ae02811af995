import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from '@accrue/adapters/postgres/testing';

import { repoRoot } from '../support/cli.js';

/**
 * The packages as consumers get them: built ESM under `dist`, loaded by plain Node without the `@accrue/source`
 * condition, through the `exports` maps only. (That the example type-checks against the built `.d.ts` files is
 * `pnpm typecheck`'s job: the example is a project reference of the root build and its tsconfig has no source
 * condition.)
 */

const example = join(repoRoot, 'examples/erp-orders');

/** Runs an ES module snippet with plain `node` in the example's folder, where a consumer's code would be. */
const nodeSnippet = (source: string): { status: number | null; stdout: string; stderr: string } => {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: example,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

beforeAll(() => {
  // A fresh clone has no `dist` until something builds it (CI type-checks, which builds, before testing).
  if (
    existsSync(join(example, 'dist/src/main.js')) &&
    existsSync(join(repoRoot, 'packages/api/dist/embed/index.js'))
  )
    return;
  spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'examples/erp-orders'],
    {
      cwd: repoRoot,
      stdio: 'ignore',
      timeout: 600_000,
    },
  );
}, 600_000);

describe('built packages, loaded by plain Node', () => {
  it('resolves @accrue/api/embed to its dist ESM and exposes exactly the documented runtime exports', () => {
    const run = nodeSnippet(`
      const embed = await import('@accrue/api/embed');
      console.log(JSON.stringify({
        resolved: import.meta.resolve('@accrue/api/embed'),
        exports: Object.keys(embed).sort(),
        reflect: typeof Reflect.getMetadata,
      }));
    `);
    expect(run.stderr).toBe('');
    const answer = JSON.parse(run.stdout) as { resolved: string; exports: string[]; reflect: string };
    expect(answer.resolved).toMatch(/\/packages\/api\/dist\/embed\/index\.js$/);
    expect(answer.exports).toEqual([
      'AccrueError',
      'createAccrue',
      'createAccrueFp',
      'describeFailure',
      'isAccrueError',
      'memoryStore',
      'postgresStore',
      'sqliteStore',
    ]);
    // No dependency-injection container (tsyringe needs reflect-metadata's global) comes with the library.
    expect(answer.reflect).toBe('undefined');
  });

  it('refuses deep imports: only the exports maps are public', () => {
    for (const specifier of [
      '@accrue/api/dist/embed/index.js',
      '@accrue/api/src/embed/index.ts',
      '@accrue/adapters/dist/postgres/index.js',
      '@accrue/api/composition',
    ]) {
      const run = nodeSnippet(`
        try { await import(${JSON.stringify(specifier)}); console.log('imported'); }
        catch (error) { console.log(error.code); }
      `);
      expect(`${specifier}: ${run.stdout.trim()}`).toBe(`${specifier}: ERR_PACKAGE_PATH_NOT_EXPORTED`);
    }
  });

  it('runs an invoice through the built code on the memory store', () => {
    const run = nodeSnippet(`
      const { createAccrue, memoryStore, isAccrueError } = await import('@accrue/api/embed');
      const accrue = await createAccrue({ store: memoryStore(), clock: { now: () => '2026-03-01T10:00:00Z' } });
      const draft = await accrue.createDraft({
        currency: 'EUR', customer: { id: 'c', name: 'C' },
        lines: [{ id: '1', quantity: '1', netPrice: '100.00', vat: { category: 'S', rate: '19' } }],
      });
      const approved = await accrue.approve(draft.invoiceId);
      const refused = await accrue.recordPayment(draft.invoiceId, { amount: '500.00' }).catch((e) => e);
      const view = await accrue.get(draft.invoiceId);
      await accrue.close();
      console.log(JSON.stringify({
        number: approved.state.number, payable: view.payable,
        refused: isAccrueError(refused) ? refused.error._tag : 'not an AccrueError',
        reflect: typeof Reflect.getMetadata,
      }));
    `);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      number: 'INV-2026-000001',
      payable: '119.00',
      refused: 'Overpayment',
      reflect: 'undefined',
    });
  });
});

const postgres = await probePostgres();

describeWithPostgres(postgres, 'the built erp-orders example', (url) => {
  const schemas = { erp: uniqueTestSchema('built_erp'), accrue: uniqueTestSchema('built_accrue') };
  let stop: (() => void) | undefined;
  afterAll(async () => {
    stop?.();
    await dropSchemas(url, [schemas.erp, schemas.accrue, `${schemas.accrue}_read`]);
  });

  it('serves orders and marks them paid through its reaction, as `pnpm start` runs it', async () => {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: example,
      env: {
        PATH: process.env['PATH'] ?? '',
        DATABASE_URL: url,
        ERP_SCHEMA: schemas.erp,
        ACCRUE_SCHEMA: schemas.accrue,
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stop = () => child.kill('SIGKILL');
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const base = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => {
        reject(new Error(`the example exited (${String(code)}) before listening:\n${stderr}`));
      });
    });
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const placed = await post('/orders', {
      order_id: 'B-1',
      customer: { id: 'cust-1', name: 'Buyer GmbH' },
      currency: 'EUR',
      lines: [{ description: 'Widget', quantity: '2', unit_price: '10.00', tax_rate: '19' }],
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { id: string; total: string; invoiceNumber: string };
    expect(order).toMatchObject({ id: 'B-1', total: '23.80' });
    // The example runs on the system clock: the year is this year's.
    expect(order.invoiceNumber).toMatch(/^INV-\d{4}-000001$/);
    const paid = await post('/webhooks/payment', {
      order_id: 'B-1',
      amount: '23.80',
      paid_at: '2026-03-04T09:00:00Z',
      reference: 'psp-b1',
    });
    expect(await paid.json()).toMatchObject({ status: 'paid' });
    // The reaction runs asynchronously, after the payment's commit: wait for it, bounded.
    let current: { paidAt: string | null; paymentMarks: number } | undefined;
    for (let attempt = 0; attempt < 200; attempt++) {
      current = (await (await fetch(`${base}/orders/B-1`)).json()) as typeof current;
      if (current?.paidAt !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(current).toMatchObject({ paidAt: '2026-03-04T09:00:00.000Z', paymentMarks: 1 });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
