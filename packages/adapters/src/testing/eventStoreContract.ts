import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EventStore, NewEvent, RecordedEvent } from '@accrue/domain';

/**
 * The one contract every EventStore implementation runs. `open` gives a fresh, empty store; the suite closes
 * what it opens. Assertions are about behaviour users rely on, not about any vendor's internals.
 */
export const eventStoreContract = (name: string, open: () => Promise<EventStore>): void => {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let counter = 0;
    const unique = (prefix: string): string =>
      `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const event = (type: string, data: Record<string, string | number | boolean | null> = {}): NewEvent => ({
      eventId: crypto.randomUUID(),
      type,
      data: { ...data },
      metadata: { correlationId: 'c-1', schemaVersion: 1 },
    });
    const ok = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
      const result = await task();
      if (E.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left, replacer)}`);
      return result.right;
    };
    const readWholeLog = async (batch = 100): Promise<RecordedEvent[]> => {
      const events: RecordedEvent[] = [];
      let after: bigint | undefined;
      for (;;) {
        const page = await ok(store.readAll({ ...(after === undefined ? {} : { after }), maxCount: batch }));
        events.push(...page.events);
        if (page.events.length < batch) return events;
        after = page.lastPosition;
      }
    };

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
    });

    it('appends and reads a stream back, with versions from 1', async () => {
      const stream = unique('invoice');
      const appended = [
        event('InvoiceDrafted', { a: 1 }),
        event('InvoiceRevised', { b: 'x' }),
        event('InvoiceApproved'),
      ];
      const result = await ok(store.appendToStream(stream, 'no_stream', appended));
      expect(result.nextExpectedVersion).toBe(3);
      const read = await ok(store.readStream(stream));
      expect(read.map((e) => [e.streamName, e.streamVersion, e.eventId, e.type, e.data, e.metadata])).toEqual(
        appended.map((e, i) => [stream, i + 1, e.eventId, e.type, e.data, e.metadata]),
      );
      expect(read.at(-1)?.globalPosition).toBe(result.lastPosition);
      const tail = await ok(store.readStream(stream, { fromVersion: 2, maxCount: 1 }));
      expect(tail.map((e) => e.streamVersion)).toEqual([2]);
    });

    it('refuses appends whose expected version does not hold, and writes nothing', async () => {
      const stream = unique('invoice');
      await ok(store.appendToStream(stream, 'no_stream', [event('A'), event('B')]));
      const conflicts = [
        await store.appendToStream(stream, 1, [event('C')])(),
        await store.appendToStream(stream, 3, [event('C')])(),
        await store.appendToStream(stream, 'no_stream', [event('C')])(),
        await store.appendToStream(unique('missing'), 'stream_exists', [event('C')])(),
        await store.appendToStream(unique('missing'), 1, [event('C')])(),
      ];
      for (const conflict of conflicts) {
        expect(E.isLeft(conflict) && conflict.left._tag).toBe('VersionConflict');
      }
      expect((await ok(store.readStream(stream))).map((e) => e.type)).toEqual(['A', 'B']);
      await ok(store.appendToStream(stream, 2, [event('C')]));
      await ok(store.appendToStream(stream, 'stream_exists', [event('D')]));
      await ok(store.appendToStream(stream, 'any', [event('E')]));
      expect((await ok(store.readStream(stream))).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
    });

    it('reads a missing stream as empty, and an empty append changes nothing', async () => {
      const stream = unique('nothing');
      expect(await ok(store.readStream(stream))).toEqual([]);
      const result = await ok(store.appendToStream(stream, 'no_stream', []));
      expect(result.nextExpectedVersion).toBe(0);
      expect(await ok(store.readStream(stream))).toEqual([]);
      expect(await ok(store.readStream(unique('nothing'), { fromVersion: 5 }))).toEqual([]);
    });

    it('keeps one global order across streams, and reads it from any position in batches', async () => {
      const streams = [unique('s'), unique('s'), unique('s')];
      const written: string[] = [];
      for (let round = 0; round < 4; round++) {
        for (const [i, stream] of streams.entries()) {
          const e = event('Tick', { round, stream: i });
          written.push(e.eventId);
          await ok(store.appendToStream(stream, round, [e]));
        }
      }
      const log = await readWholeLog(5);
      const positions = log.map((e) => e.globalPosition);
      expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] ?? 0n))).toBe(true);
      const mine = log.filter((e) => written.includes(e.eventId));
      expect(mine.map((e) => e.eventId)).toEqual(written);

      const middle = mine[5];
      if (middle === undefined) throw new Error('missing event');
      const rest = await ok(store.readAll({ after: middle.globalPosition, maxCount: 1000 }));
      expect(rest.events[0]?.eventId).toBe(mine[6]?.eventId);
      expect(rest.events.filter((e) => written.includes(e.eventId))).toHaveLength(6);
      const end = rest.lastPosition;
      if (end === undefined) throw new Error('missing position');
      const nothing = await ok(store.readAll({ after: end, maxCount: 10 }));
      expect(nothing.events).toEqual([]);
      expect(nothing.lastPosition).toBe(end);
    });

    it('follows the log live, from a position, in order, until aborted', async () => {
      const stream = unique('live');
      const before = await ok(store.appendToStream(stream, 'no_stream', [event('Before')]));
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const following = (async () => {
        for await (const e of store.follow({ after: before.lastPosition, signal: controller.signal })) {
          seen.push(e);
          if (seen.filter((s) => s.streamName === stream).length === 3) controller.abort();
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await ok(store.appendToStream(stream, 1, [event('Live1')]));
      await ok(store.appendToStream(stream, 2, [event('Live2'), event('Live3')]));
      await following;
      expect(seen.filter((e) => e.streamName === stream).map((e) => e.type)).toEqual([
        'Live1',
        'Live2',
        'Live3',
      ]);
    });

    it('appends a large batch atomically and reads it back in order', async () => {
      const stream = unique('large');
      const events = Array.from({ length: 2000 }, (_, i) => event('Line', { i }));
      const result = await ok(store.appendToStream(stream, 'no_stream', events));
      expect(result.nextExpectedVersion).toBe(2000);
      const read = await ok(store.readStream(stream));
      expect(read.map((e) => e.data['i'])).toEqual(events.map((_, i) => i));
    });

    it('keeps unicode and large payloads intact', async () => {
      const stream = unique('unicode');
      const text = 'Zürich — 東京 — مرحبا — 🧾💶 — "quotes" \\ back\\slash \n\t tab — \u2028';
      const big = 'x'.repeat(1_000_000);
      const e1 = event('Unicode', { text, nul: 'before\u0000after' });
      const e2 = event('Big', { big });
      await ok(store.appendToStream(stream, 'no_stream', [e1, e2]));
      const read = await ok(store.readStream(stream));
      expect(read[0]?.data).toEqual({ text, nul: 'before\u0000after' });
      expect(read[1]?.data['big']).toBe(big);
    });

    it('lets concurrent appenders to one stream lose and duplicate nothing', async () => {
      const stream = unique('contended');
      const writers = 64;
      const appendWithRetry = async (writer: number): Promise<void> => {
        for (let attempt = 0; attempt < 500; attempt++) {
          const current = await ok(store.readStream(stream));
          const result = await store.appendToStream(stream, current.length, [event('Written', { writer })])();
          if (E.isRight(result)) return;
          if (result.left._tag !== 'VersionConflict') throw new Error(JSON.stringify(result.left, replacer));
        }
        throw new Error(`writer ${writer} never got through`);
      };
      await Promise.all(Array.from({ length: writers }, (_, writer) => appendWithRetry(writer)));
      const read = await ok(store.readStream(stream));
      expect(read.map((e) => e.streamVersion)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
      expect(new Set(read.map((e) => e.data['writer'])).size).toBe(writers);
    });

    it('lets concurrent appenders to many streams keep a gap-free, duplicate-free global order', async () => {
      const prefix = unique('many');
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ok(store.appendToStream(`${prefix}-${i}`, 'no_stream', [event('One', { i }), event('Two', { i })])),
        ),
      );
      const log = (await readWholeLog(37)).filter((e) => e.streamName.startsWith(`${prefix}-`));
      expect(log).toHaveLength(100);
      expect(new Set(log.map((e) => e.eventId)).size).toBe(100);
      for (let i = 0; i < 50; i++) {
        expect(log.filter((e) => e.streamName === `${prefix}-${i}`).map((e) => e.type)).toEqual([
          'One',
          'Two',
        ]);
      }
    });
  });
};

const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;
