import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';

import { createSqliteEventStore } from '@accrue/adapters/sqlite';
import { nativeSha256 } from '@accrue/api';
import type { CreateDraftInvoice, EventStore } from '@accrue/domain';
import {
  ApprovalRequest,
  CreateDraftInvoice as CreateDraftInvoiceCodec,
  approveInvoice,
  createKeyedMutex,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  loadStream,
} from '@accrue/domain';

import type { BenchReport, BenchRow } from './report.js';

const PRODUCERS = 64;
const NOW = '2026-11-21T10:00:00Z';
/** Rounds of the SQLite command and raw measurements, alternated (an odd count has a middle round). */
const ROUNDS = Number(process.env['ACCRUE_BENCH_WRITE_ROUNDS'] ?? '3');

const decodeOrThrow = <A>(codec: { decode: (u: unknown) => E.Either<unknown, A> }, value: unknown): A => {
  const decoded = codec.decode(value);
  if (E.isLeft(decoded)) throw new Error('bench input does not decode');
  return decoded.right;
};

const draft = (invoiceId: string): CreateDraftInvoice => {
  const decoded = CreateDraftInvoiceCodec.decode({
    type: 'CreateDraftInvoice',
    data: {
      invoiceId,
      tenantId: 'bench',
      now: NOW,
      currency: 'EUR',
      customer: { id: 'c-1', name: 'Bench Customer AB' },
      lines: [{ id: '1', quantity: '3', netPrice: '19.99', vat: { category: 'S', rate: '25' } }],
    },
  });
  if (E.isLeft(decoded)) throw new Error('bench command does not decode');
  return decoded.right;
};

/** Runs `total` commands from `PRODUCERS` concurrent producers; returns commands per second. */
export const runProducers = async (total: number, command: (n: number) => Promise<void>): Promise<number> => {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      for (let n = next++; n < total; n = next++) await command(n);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
};

/** Durable commands through the real command handler: read stream, decide, hash, append (group commit). */
export const commandThroughput = async (store: EventStore, total: number, label: string): Promise<number> => {
  // Commands arrive decoded from the edge; decoding them is the edge's cost, not the command handler's.
  const commands = Array.from({ length: total }, (_, n) => draft(`${label}-${n}`));
  return runProducers(total, async (n) => {
    const invoiceId = `${label}-${n}`;
    const command = commands[n];
    if (command === undefined) throw new Error('no command');
    const result = await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream('bench', invoiceId),
      command,
      { tenantId: 'bench', commandId: `${invoiceId}:create`, actor: 'bench', now: NOW },
      { sha256: nativeSha256 },
    )();
    if (E.isLeft(result)) throw new Error(`command failed: ${result.left._tag}`);
  });
};

/**
 * The raw rate "measured the same way": the same producers, each inserting one ~300-byte row and committing it
 * alone (WAL, synchronous=FULL): the fsync-bound ceiling of a store without group commit.
 */
const rawOneRowPerCommit = async (path: string, total: number): Promise<number> => {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO raw (body) VALUES (?)');
  const body = 'x'.repeat(300);
  const rate = await runProducers(total, async () => {
    insert.run(body);
    // Yield like an async store call would, so producers interleave as in the command run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  });
  db.close();
  return rate;
};

const foldTime = async (store: EventStore): Promise<number> => {
  const stream = invoiceStream('bench', 'long');
  const events = Array.from({ length: 1000 }, (_, i) => ({
    eventId: `fold-${i}`,
    type: 'PaymentRecorded',
    data: {
      invoiceId: 'long',
      paymentId: `p-${i}`,
      amount: '0.01',
      currency: 'EUR',
      paidAt: NOW,
      recordedAt: NOW,
    },
    metadata: {
      eventId: `fold-${i}`,
      tenantId: 'bench',
      commandId: `c-${i}`,
      correlationId: `c-${i}`,
      causationId: `c-${i}`,
      actor: 'bench',
      occurredAt: NOW,
      schemaVersion: 1,
      prevHash: null,
      hash: 'h',
    },
  }));
  // A realistic stream: a draft, its approval, then payments. The events are written raw; folding is what is timed.
  const created = await handleCommand(store, invoiceAggregate, stream, draft('long'), {
    tenantId: 'bench',
    commandId: 'long:create',
    actor: 'bench',
    now: NOW,
  })();
  if (E.isLeft(created)) throw new Error('fold setup failed');
  const approved = await approveInvoice(
    { store, seriesLocks: createKeyedMutex() },
    decodeOrThrow(ApprovalRequest, { tenantId: 'bench', invoiceId: 'long', now: NOW }),
    { tenantId: 'bench', commandId: 'long:approve', actor: 'bench', now: NOW },
  )();
  if (E.isLeft(approved)) throw new Error('fold setup failed');
  await store.appendToStream(stream, 'any', events)();
  const runs = 20;
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) {
    const loaded = await loadStream(store, invoiceAggregate.events, stream)();
    if (E.isLeft(loaded)) throw new Error(`fold failed: ${loaded.left._tag}`);
    loaded.right.reduce(
      (state, e) => invoiceAggregate.decider.evolve(state, e.event),
      invoiceAggregate.decider.initialState,
    );
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / runs;
};

/** The middle value (of an odd count; the lower middle of an even one). */
const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('no rounds measured');
  return middle;
};

const rate = (value: number): string => Math.round(value).toLocaleString('en');

export const benchWriteSideSqlite = async (): Promise<BenchReport> => {
  const folder = mkdtempSync(join(tmpdir(), 'accrue-bench-'));
  try {
    const total = 40_000;
    // The command run and the raw run are measured in alternating rounds, each on fresh files as a single run
    // was, and compared by their medians: the machine's other load (2 cores, one disk) then weighs on both
    // sides alike, instead of on whichever side it happened to coincide with.
    const commandRounds: number[] = [];
    const rawRounds: number[] = [];
    let commits = 0;
    let appendRequests = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const roundFolder = join(folder, `round-${String(round)}`);
      const store = createSqliteEventStore({ path: join(roundFolder, 'accrue.db') });
      await commandThroughput(store, 2000, 'warm');
      commandRounds.push(await commandThroughput(store, total, 'run'));
      const stats = store.stats();
      commits += stats.commits;
      appendRequests += stats.appendRequests;
      await store.close();
      rawRounds.push(await rawOneRowPerCommit(join(roundFolder, 'raw.db'), 5000));
      rmSync(roundFolder, { recursive: true, force: true });
    }
    const commandsPerSecond = median(commandRounds);
    const raw = median(rawRounds);
    const foldStore = createSqliteEventStore({ path: join(folder, 'fold.db') });
    const foldMs = await foldTime(foldStore);
    await foldStore.close();
    const rows: BenchRow[] = [
      {
        name: `SQLite durable commands, ${PRODUCERS} producers (${total.toLocaleString('en')} create-draft commands, median of ${String(ROUNDS)} rounds)`,
        value: `${rate(commandsPerSecond)} commands/s (rounds: ${commandRounds.map(rate).join(', ')}; ${(appendRequests / Math.max(commits, 1)).toFixed(1)} appends per commit)`,
        target: '≥ 20,000 commands/s',
        met: commandsPerSecond >= 20_000,
      },
      {
        name: `SQLite raw one-row-per-commit insert, ${PRODUCERS} producers, WAL + synchronous=FULL (median of ${String(ROUNDS)} rounds, alternated with the commands)`,
        value: `${rate(raw)} rows/s (rounds: ${rawRounds.map(rate).join(', ')})`,
      },
      {
        name: 'group commit gain over the raw rate (medians)',
        value: `${(commandsPerSecond / raw).toFixed(1)}×`,
        target: '≥ 4×',
        met: commandsPerSecond / raw >= 4,
      },
      {
        name: 'load and fold a 1,000-event invoice stream (SQLite)',
        value: `${foldMs.toFixed(2)} ms`,
      },
    ];
    return { title: 'Write side (SQLite)', rows };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
};

/** The same command run on the local PostgreSQL server, in a schema of its own that is dropped afterwards. */
export const benchWriteSidePostgres = async (): Promise<BenchReport> => {
  const url = process.env['ACCRUE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `accrue_bench_${process.pid}`;
  const { createPostgresEventStore } = await import('@accrue/adapters/postgres');
  let store: Awaited<ReturnType<typeof createPostgresEventStore>>;
  try {
    store = await createPostgresEventStore({ connectionString: url, schema });
  } catch (error) {
    return {
      title: 'Write side (PostgreSQL)',
      rows: [
        {
          name: 'PostgreSQL',
          value: `not measured: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }
  try {
    await commandThroughput(store, 2000, 'warm');
    const total = 20_000;
    const commandsPerSecond = await commandThroughput(store, total, 'run');
    const foldMs = await foldTime(store);
    return {
      title: 'Write side (PostgreSQL)',
      rows: [
        {
          name: `PostgreSQL durable commands, ${PRODUCERS} producers (${total.toLocaleString('en')} create-draft commands)`,
          value: `${Math.round(commandsPerSecond).toLocaleString('en')} commands/s`,
          target: '≥ 5,000 commands/s',
          met: commandsPerSecond >= 5_000,
        },
        { name: 'load and fold a 1,000-event invoice stream (PostgreSQL)', value: `${foldMs.toFixed(2)} ms` },
      ],
    };
  } finally {
    await store.close();
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
};
