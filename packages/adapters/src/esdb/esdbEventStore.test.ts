import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import type { EventStore, NewEvent, RecordedEvent } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';

import { eventStoreContract } from '../testing/eventStoreContract.js';
import { createEsdbEventStore } from './esdbEventStore.js';
import { ORIGINAL_EVENT_ID_KEY, deriveEventUuid } from './eventIds.js';
import { startEsdbDouble } from './testing/esdbDouble.js';
import type { EsdbDouble, EsdbDoubleOptions } from './testing/esdbDouble.js';

// Every double started here is stopped after its suite or test, so no gRPC server outlives the file.
const running = new Set<EsdbDouble>();
const startDouble = async (options?: EsdbDoubleOptions): Promise<EsdbDouble> => {
  const double = await startEsdbDouble(options);
  running.add(double);
  return double;
};
const stopDouble = async (double: EsdbDouble): Promise<void> => {
  running.delete(double);
  await double.stop();
};

/** A store over the real client and real gRPC, against a fresh double; closing it stops the double. */
const openOnDouble = (options?: EsdbDoubleOptions) => async (): Promise<EventStore> => {
  const double = await startDouble(options);
  const store = createEsdbEventStore({ connectionString: double.connectionString });
  return {
    ...store,
    close: async () => {
      await store.close();
      await stopDouble(double);
    },
  };
};

eventStoreContract('esdb (gRPC double, 24.x: BatchAppend)', openOnDouble());
eventStoreContract(
  'esdb (gRPC double, 20.6: Append, no ServerFeatures)',
  openOnDouble({ profile: 'legacy-20.6' }),
);

const realServer = process.env['ACCRUE_ESDB_URL'];
describe.skipIf(realServer === undefined)(
  realServer === undefined
    ? 'esdb (real server): SKIPPED, set ACCRUE_ESDB_URL (e.g. esdb://localhost:2113?tls=false) to run it'
    : `esdb (real server at ${realServer})`,
  () => {
    eventStoreContract('esdb (real server)', () =>
      Promise.resolve(createEsdbEventStore({ connectionString: realServer ?? '' })),
    );
  },
);

const event = (type: string, data: Record<string, string | number> = {}, eventId?: string): NewEvent => ({
  eventId: eventId ?? crypto.randomUUID(),
  type,
  data: { ...data },
  metadata: { correlationId: 'c-1' },
});

const ok = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const result = await task();
  if (E.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left, bigints)}`);
  return result.right;
};
const bigints = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

describe('esdb adapter against the gRPC double', () => {
  let double: EsdbDouble;
  let store: EventStore;
  const open = async (options?: EsdbDoubleOptions, operationTimeoutMs?: number): Promise<void> => {
    double = await startDouble(options);
    store = createEsdbEventStore({
      connectionString: double.connectionString,
      ...(operationTimeoutMs === undefined ? {} : { operationTimeoutMs }),
    });
  };
  afterEach(async () => {
    await store.close();
    for (const d of running) await stopDouble(d);
  });

  for (const [profile, rpc] of [
    ['current', 'Streams.BatchAppend'],
    ['legacy-20.6', 'Streams.Append'],
  ] as const) {
    it(`reports a wrong expected version as VersionConflict with the actual version (${rpc})`, async () => {
      await open({ profile });
      await ok(store.appendToStream('invoice-1', 'no_stream', [event('A'), event('B')]));
      const conflicts = [
        await store.appendToStream('invoice-1', 5, [event('C')])(),
        await store.appendToStream('invoice-1', 'no_stream', [event('C')])(),
        await store.appendToStream('invoice-2', 'stream_exists', [event('C')])(),
        await store.appendToStream('invoice-2', 3, [event('C')])(),
      ];
      expect(conflicts.map((c) => (E.isLeft(c) ? [c.left._tag, c.left] : ['Right']))).toMatchObject([
        ['VersionConflict', { streamName: 'invoice-1', expected: 5, actual: 2 }],
        ['VersionConflict', { streamName: 'invoice-1', expected: 'no_stream', actual: 2 }],
        ['VersionConflict', { streamName: 'invoice-2', expected: 'stream_exists', actual: 0 }],
        ['VersionConflict', { streamName: 'invoice-2', expected: 3, actual: 0 }],
      ]);
      expect(double.calls).toContain(rpc);
    });
  }

  it('leaves system events out of readAll and follow', async () => {
    await open();
    const before = await ok(store.appendToStream('invoice-1', 'no_stream', [event('InvoiceDrafted')]));
    // What a real node writes on its own: stats, stream metadata, projection links, and a $-typed event.
    const direct = (stream: string, type: string) =>
      ok(double.store.appendToStream(stream, 'any', [event(type, { by: 'server' })]));
    await direct('$stats-127.0.0.1:2113', '$statsCollected');
    await direct('$$invoice-1', '$metadata');
    await direct('$ce-invoice', '$>');
    await direct('invoice-1', '$user-created');
    await direct('$scavenges', 'ScavengeStarted');
    await ok(store.appendToStream('invoice-1', 2, [event('InvoiceApproved')]));

    const all = await ok(store.readAll({ maxCount: 100 }));
    expect(all.events.map((e) => [e.streamName, e.type])).toEqual([
      ['invoice-1', 'InvoiceDrafted'],
      ['invoice-1', 'InvoiceApproved'],
    ]);
    // A batch is filled with user events even when system events sit in between.
    const first = await ok(store.readAll({ maxCount: 1, after: before.lastPosition }));
    expect(first.events.map((e) => e.type)).toEqual(['InvoiceApproved']);

    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    for await (const e of store.follow({ signal: controller.signal })) {
      seen.push(e);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.map((e) => e.type)).toEqual(['InvoiceDrafted', 'InvoiceApproved']);
    expect(double.calls.filter((c) => c === 'Streams.Read').length).toBeGreaterThan(0);
  });

  it('maps $all commit positions to increasing, non-contiguous global positions', async () => {
    await open();
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(
        await ok(store.appendToStream(`s-${i % 3}`, 2 * Math.floor(i / 3), [event('E', { i }), event('F')])),
      );
    }
    const all = await ok(store.readAll({ maxCount: 100 }));
    const positions = all.events.map((e) => e.globalPosition);
    expect(positions).toHaveLength(12);
    expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] ?? 0n))).toBe(true);
    // Byte offsets, not counters: nothing in the adapter may assume position + 1 is the next event.
    expect(positions.some((p, i) => i > 0 && p - (positions[i - 1] ?? 0n) > 1n)).toBe(true);
    expect(results.map((r) => r.lastPosition)).toEqual(positions.filter((_, i) => i % 2 === 1));
    const stream = await ok(store.readStream('s-1'));
    expect(stream.map((e) => e.globalPosition)).toEqual(
      all.events.filter((e) => e.streamName === 's-1').map((e) => e.globalPosition),
    );
    // Paging one event at a time visits each once, in order.
    const paged: bigint[] = [];
    let after: bigint | undefined;
    for (;;) {
      const page = await ok(store.readAll({ maxCount: 1, ...(after === undefined ? {} : { after }) }));
      if (page.events.length === 0) break;
      paged.push(...page.events.map((e) => e.globalPosition));
      after = page.lastPosition;
    }
    expect(paged).toEqual(positions);
  });

  it('keeps ids that are not UUIDs, through a derived UUID, and a retry with the same ids writes nothing twice', async () => {
    await open();
    const events = [
      event('A', {}, 'cmd-42/0'),
      event('B', {}, 'CMD-42/1'),
      event('C', {}, 'A3F0C1D2-0000-4000-8000-000000000000'),
    ];
    const first = await ok(store.appendToStream('invoice-9', 'no_stream', events));
    const retried = await ok(store.appendToStream('invoice-9', 'no_stream', events));
    expect(retried).toEqual(first);
    const read = await ok(store.readStream('invoice-9'));
    expect(read.map((e) => [e.eventId, e.metadata])).toEqual(events.map((e) => [e.eventId, e.metadata]));
    const stored = await ok(double.store.readStream('invoice-9'));
    expect(stored.map((e) => e.eventId)).toEqual(events.map((e) => deriveEventUuid(e.eventId)));
    expect(() =>
      store.appendToStream('invoice-9', 'any', [
        { ...event('D'), metadata: { [ORIGINAL_EVENT_ID_KEY]: 'x' } },
      ]),
    ).toThrow(RangeError);
  });

  it('reads an event whose JSON does not parse as CorruptEvent', async () => {
    await open();
    await ok(store.appendToStream('invoice-5', 'no_stream', [event('Fine')]));
    await double.appendRaw('invoice-5', {
      type: 'Broken',
      contentType: 'application/json',
      data: Buffer.from('{"amount": 12', 'utf8'),
    });
    const read = await store.readStream('invoice-5')();
    expect(E.isLeft(read) && read.left).toMatchObject({ _tag: 'CorruptEvent', streamName: 'invoice-5' });
    const all = await store.readAll({ maxCount: 10 })();
    expect(E.isLeft(all) && all.left._tag).toBe('CorruptEvent');
  });

  it('refuses an append over the maximum append size without writing anything', async () => {
    await open();
    const result = await store.appendToStream('big', 'no_stream', [
      event('Huge', { blob: 'x'.repeat(1_100_000) }),
    ])();
    expect(E.isLeft(result) && result.left._tag).toBe('StoreUnavailable');
    expect(await ok(store.readStream('big'))).toEqual([]);
  });

  it('finds the node through gossip with a discovery connection string', async () => {
    double = await startDouble();
    store = createEsdbEventStore({ connectionString: `esdb+discover://127.0.0.1:${double.port}?tls=false` });
    await ok(store.appendToStream('invoice-1', 'no_stream', [event('A')]));
    expect((await ok(store.readStream('invoice-1'))).map((e) => e.type)).toEqual(['A']);
    expect(double.calls).toContain('Gossip.Read');
  });

  it('gives StoreUnavailable, not a hang, when the server goes away', async () => {
    await open(undefined, 2_000);
    const { lastPosition } = await ok(store.appendToStream('invoice-1', 'no_stream', [event('A')]));
    const following = (async () => {
      for await (const _ of store.follow({ after: lastPosition })) {
        // nothing arrives before the server goes
      }
    })();
    const followed = following.then(
      () => 'ended quietly',
      (error: unknown) => (error instanceof StoreFailure ? error.failure._tag : 'other error'),
    );
    await stopDouble(double);
    const started = Date.now();
    const results: ReadonlyArray<E.Either<{ readonly _tag: string; readonly cause?: unknown }, unknown>> = [
      await store.appendToStream('invoice-1', 1, [event('B')])(),
      await store.readStream('invoice-1')(),
      await store.readAll({ maxCount: 10 })(),
    ];
    for (const result of results) {
      expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'StoreUnavailable' });
      expect(E.isLeft(result) && result.left.cause).toBeTruthy();
    }
    expect(await followed).toBe('StoreUnavailable');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives StoreUnavailable within the operation bound when the server accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    const port = await new Promise<number>((resolve) => {
      silent.listen(0, '127.0.0.1', () => {
        const address = silent.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    store = createEsdbEventStore({
      connectionString: `esdb://127.0.0.1:${port}?tls=false`,
      operationTimeoutMs: 300,
    });
    try {
      const started = Date.now();
      const append = await store.appendToStream('invoice-1', 'any', [event('A')])();
      const read = await store.readStream('invoice-1')();
      const all = await store.readAll({ maxCount: 1 })();
      const results: ReadonlyArray<E.Either<{ readonly _tag: string }, unknown>> = [append, read, all];
      for (const result of results) {
        expect(E.isLeft(result) && result.left._tag).toBe('StoreUnavailable');
      }
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
