import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { openSqliteDatabase } from '@accrue/adapters/sqlite';

import type { Accrue, AccrueEvent, CreateDraftInput } from './index.js';
import { createAccrue, isAccrueError, memoryStore, sqliteStore } from './index.js';

const clock = { now: () => '2026-03-01T10:00:00.000Z' };

const draft = (invoiceId: string): CreateDraftInput => ({
  invoiceId,
  currency: 'EUR',
  customer: { id: 'cust-1', name: 'Buyer GmbH' },
  lines: [{ id: '1', quantity: '1', netPrice: '10.00', vat: { category: 'S', rate: '20' } }],
});

const dirs: string[] = [];
const opened: Accrue[] = [];
afterEach(async () => {
  for (const accrue of opened.splice(0)) await accrue.close();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'accrue-embed-sub-'));
  dirs.push(dir);
  return join(dir, 'accrue.db');
};

const openSqlite = async (path: string): Promise<Accrue> => {
  const accrue = await createAccrue({ store: sqliteStore(path), clock });
  opened.push(accrue);
  return accrue;
};

/** Collects delivered events; `until(n)` resolves once n have arrived. */
const collector = () => {
  const events: AccrueEvent[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    events,
    push: (event: AccrueEvent) => {
      events.push(event);
      for (const waiter of [...waiters])
        if (events.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
    },
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (events.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
};

const storedCheckpoint = (path: string, name: string): bigint | undefined => {
  const db = openSqliteDatabase(path);
  try {
    const row = db
      .prepare<[string], { position: bigint }>('SELECT position FROM accrue_subscriptions WHERE name = ?')
      .safeIntegers(true)
      .get(name);
    return row?.position;
  } finally {
    db.close();
  }
};

const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    opened,
    open: () => {
      open();
    },
  };
};

describe('subscribe', () => {
  it('delivers committed events in global order and checkpoints each only after its handler resolved', async () => {
    const path = tempPath();
    const accrue = await openSqlite(path);
    await accrue.createDraft(draft('a'));
    await accrue.approve('a');
    const seen = collector();
    const third = gate();
    const reachedThird = gate();
    const subscription = accrue.subscribe(
      async (event) => {
        seen.push(event);
        if (seen.events.length === 3) {
          reachedThird.open();
          await third.opened;
        }
      },
      { name: 'ordered' },
    );
    await reachedThird.opened;
    // Blocked inside the handler of the third event: the checkpoint is the second's, not the third's.
    const [first, second, current] = seen.events;
    expect(storedCheckpoint(path, 'ordered')).toBe(second?.globalPosition);
    expect(current?.globalPosition).toBeGreaterThan(second?.globalPosition ?? 0n);
    third.open();

    await accrue.createDraft(draft('b'));
    // Draft (1), number reservation and approval (2), second draft (1).
    await seen.until(4);
    expect(seen.events.map((e) => e.event.type)).toEqual([
      'InvoiceDraftCreated',
      'NumberReserved',
      'InvoiceApproved',
      'InvoiceDraftCreated',
    ]);
    const positions = seen.events.map((event) => event.globalPosition);
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    // Number series events are Accrue events too; the invoice's own come in stream order.
    expect(seen.events.filter((e) => e.streamName.startsWith('invoice-')).map((e) => e.event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'InvoiceDraftCreated',
    ]);
    expect(first?.metadata.tenantId).toBe('default');
    await subscription.stop();
    await expect(subscription.closed).resolves.toBeUndefined();
    expect(storedCheckpoint(path, 'ordered')).toBe(positions.at(-1));
    expect(subscription.position()).toBe(positions.at(-1));
  });

  it('resumes after its durable checkpoint when the process restarts; `from` only counts the first time', async () => {
    const path = tempPath();
    const before = await openSqlite(path);
    await before.createDraft(draft('a'));
    await before.createDraft(draft('b'));
    const seen = collector();
    const subscription = before.subscribe(
      (event) => {
        seen.push(event);
      },
      { name: 'mailer' },
    );
    await seen.until(2);
    await subscription.stop();
    await before.close();

    const after = await openSqlite(path);
    await after.createDraft(draft('c'));
    const again = collector();
    // `from: 'start'` is ignored: the checkpoint says where to resume.
    after.subscribe(
      (event) => {
        again.push(event);
      },
      { name: 'mailer', from: 'start' },
    );
    await again.until(1);
    expect(again.events.map((e) => e.event.type === 'InvoiceDraftCreated' && e.event.data.invoiceId)).toEqual(
      ['c'],
    );

    // A new name starting at the end sees only what commits from now on.
    const fresh = collector();
    after.subscribe(
      (event) => {
        fresh.push(event);
      },
      { name: 'late-joiner', from: 'end' },
    );
    await after.createDraft(draft('d'));
    await fresh.until(1);
    expect(fresh.events.map((e) => e.event.type === 'InvoiceDraftCreated' && e.event.data.invoiceId)).toEqual(
      ['d'],
    );
  });

  it('stops when the handler fails, without checkpointing that event, which comes again on restart', async () => {
    const accrue = await createAccrue({ store: memoryStore(), clock });
    opened.push(accrue);
    await accrue.createDraft(draft('a'));
    await accrue.createDraft(draft('b'));
    const failing = accrue.subscribe(
      (event) => {
        if (event.event.type === 'InvoiceDraftCreated' && event.event.data.invoiceId === 'b')
          throw new Error('ERP is down');
      },
      { name: 'reaction' },
    );
    const failure = await failing.closed.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isAccrueError(failure) && failure.error).toMatchObject({
      _tag: 'SubscriptionHandlerFailed',
      name: 'reaction',
      cause: new Error('ERP is down'),
    });
    const seen = collector();
    accrue.subscribe(
      (event) => {
        seen.push(event);
      },
      { name: 'reaction' },
    );
    await seen.until(1);
    expect(seen.events[0]?.event.type === 'InvoiceDraftCreated' && seen.events[0].event.data.invoiceId).toBe(
      'b',
    );
  });

  it('has an fp-ts form: a left from the handler stops it, and `closed` is left with that cause', async () => {
    const accrue = await createAccrue({ store: memoryStore(), clock });
    opened.push(accrue);
    await accrue.createDraft(draft('a'));
    const subscription = accrue.fp.subscribe(() => TE.left({ _tag: 'ErpRejected' as const }), { name: 'fp' });
    const closed = await subscription.closed();
    expect(E.isLeft(closed) && closed.left).toMatchObject({
      _tag: 'SubscriptionHandlerFailed',
      cause: { _tag: 'ErpRejected' },
    });
    expect(subscription.position()).toBeUndefined();
  });

  it('is stopped by close(), which finishes the event in hand first', async () => {
    const accrue = await createAccrue({ store: memoryStore(), clock });
    await accrue.createDraft(draft('a'));
    const inHandler = gate();
    const release = gate();
    let finished = false;
    const subscription = accrue.subscribe(
      async () => {
        inHandler.open();
        await release.opened;
        finished = true;
      },
      { name: 'closing' },
    );
    await inHandler.opened;
    const closing = accrue.close();
    release.open();
    await closing;
    expect(finished).toBe(true);
    await expect(subscription.closed).resolves.toBeUndefined();
    expect(subscription.position()).toBeDefined();
  });
});
