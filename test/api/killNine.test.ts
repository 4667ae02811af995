/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access --
   the suite inspects JSON answers as the client sees them, untyped */
import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

import { createRuntime } from '@accrue/api';

import { repoRoot } from '../support/cli.js';

/**
 * Crash safety of the HTTP command path: the real server (`pnpm start`'s command line) in a child process on a
 * SQLite file, a burst of concurrent creates, SIGKILL in the middle of it, a restart on the same file. Every
 * create that was answered 201 must be there exactly as answered; an unanswered one may or may not exist, but a
 * retry with its Idempotency-Key settles it to exactly one invoice, and the log holds no invoice that is not
 * whole (every stream is one well-formed creation, every invoice in the log readable over HTTP).
 */

const KEY = 'kill-nine-tenant-key-0123456789';
const BURST = 300;
const CONCURRENCY = 16;
/** SIGKILL once this many creates have been answered: mid-burst by count, not by a timer. */
const KILL_AFTER = 60;

const dirs: string[] = [];
const children: Array<ChildProcessByStdio<null, Readable, Readable>> = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Server {
  readonly url: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<void>;
}

const startChild = async (store: string): Promise<Server> => {
  const child = spawn(
    process.execPath,
    ['--conditions=@accrue/source', '--import', 'tsx', 'packages/api/src/server/main.ts'],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        ACCRUE_STORE: store,
        ACCRUE_API_KEYS: `kill:${KEY}`,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Accrue listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`server exited (${String(code ?? signal)}) before listening:\n${stderr}`));
    });
  });
  return { url, child, exited };
};

const body = (i: number): Record<string, unknown> => ({
  customer: { id: `cust-${String(i % 7)}`, name: `Customer ${String(i % 7)}` },
  currency: 'EUR',
  issue_date: '2026-03-01',
  payment_terms_days: 30,
  lines: [
    {
      description: `Item ${String(i)}`,
      quantity: String(i + 1),
      unit_price: '9.99',
      tax_category: 'S',
      tax_rate: '19',
    },
  ],
  reference: `burst-${String(i)}`,
});

const create = async (url: string, i: number): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${url}/v1/invoices`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY}`,
      'content-type': 'application/json',
      'idempotency-key': `burst-${String(i)}`,
    },
    body: JSON.stringify(body(i)),
  });
  return { status: response.status, body: await response.json() };
};

const get = async (url: string, path: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: response.status, body: await response.json() };
};

describe('kill -9 during a burst of creates', () => {
  it('keeps every answered invoice whole and leaves nothing half-created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accrue-kill9-'));
    dirs.push(dir);
    const store = `sqlite:${join(dir, 'accrue.db')}`;
    const first = await startChild(store);

    const answered = new Map<number, any>();
    const unanswered = new Set<number>();
    const unexpected: unknown[] = [];
    const burst = { killed: false };
    const killWhenDue = (): void => {
      if (burst.killed || answered.size < KILL_AFTER) return;
      burst.killed = true;
      first.child.kill('SIGKILL');
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < BURST) {
        const i = next++;
        if (burst.killed) {
          unanswered.add(i);
          continue;
        }
        const reply = await create(first.url, i).catch(() => undefined);
        if (reply?.status === 201) answered.set(i, reply.body);
        else {
          // A 503 (closing, or read models lagging) is an answer that promises nothing: like no answer.
          unanswered.add(i);
          if (reply !== undefined && reply.status !== 503) unexpected.push(reply);
        }
        killWhenDue();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await first.exited;
    expect(unexpected).toEqual([]);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(answered.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(unanswered.size).toBeGreaterThan(0);
    expect(answered.size + unanswered.size).toBe(BURST);

    const second = await startChild(store);
    // Every 201 is there, exactly as it was answered.
    for (const [i, created] of answered) {
      const fetched = await get(second.url, `/v1/invoices/${String(created.id)}`);
      expect(fetched.status, `invoice of request ${String(i)}`).toBe(200);
      expect(fetched.body).toEqual(created);
      expect(fetched.body.reference).toBe(`burst-${String(i)}`);
    }
    // A retry of an answered request replays its answer; a retry of an unanswered one settles it.
    const ids = new Map<number, string>();
    for (let i = 0; i < BURST; i++) {
      const retried = await create(second.url, i);
      expect(retried.status, `retry of request ${String(i)}: ${JSON.stringify(retried.body)}`).toBe(201);
      expect(retried.body.reference).toBe(`burst-${String(i)}`);
      if (answered.has(i)) expect(retried.body).toEqual(answered.get(i));
      ids.set(i, String(retried.body.id));
    }
    expect(new Set(ids.values()).size).toBe(BURST);

    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.child.exitCode).toBe(0);

    // The log: one invoice per request, each a single well-formed creation, nothing else.
    const runtime = await createRuntime({ ACCRUE_STORE: store });
    try {
      const log = await runtime.store.readAll({ maxCount: 1_000_000 })();
      if (E.isLeft(log)) throw new Error(log.left._tag);
      const streams = new Map<string, string[]>();
      for (const event of log.right.events) {
        streams.set(event.streamName, [...(streams.get(event.streamName) ?? []), event.type]);
        expect(typeof event.metadata['hash']).toBe('string');
      }
      const invoiceStreams = [...streams.entries()].filter(([, types]) => types[0] === 'InvoiceDraftCreated');
      expect(invoiceStreams).toHaveLength(BURST);
      for (const [name, types] of invoiceStreams) expect(types, name).toEqual(['InvoiceDraftCreated']);
      for (const id of ids.values()) expect(invoiceStreams.some(([name]) => name.endsWith(id))).toBe(true);
    } finally {
      await runtime.close();
    }
  }, 180_000);
});
