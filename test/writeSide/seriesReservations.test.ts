import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import type { EventStore } from '@accrue/domain';
import {
  ReserveNumber,
  createSeriesReservations,
  handleCommand,
  numberSeriesAggregate,
  numberSeriesStream,
  verifyStreamChain,
} from '@accrue/domain';

import { NOW, context, decode } from './fixtures.js';

const stream = numberSeriesStream('t1', 'INV', 2026);
const reserveCommand = (invoiceId: string) =>
  decode(ReserveNumber, {
    type: 'ReserveNumber',
    data: { tenantId: 't1', series: 'INV', year: 2026, now: NOW, invoiceId },
  });

/** Counts appends, to see batching. */
const counting = (store: EventStore) => {
  let appends = 0;
  const wrapped: EventStore = {
    ...store,
    appendToStream: (name, expected, events) => {
      appends += 1;
      return store.appendToStream(name, expected, events);
    },
  };
  return { store: wrapped, appends: () => appends };
};

const countersOf = async (store: EventStore): Promise<number[]> => {
  const read = await store.readStream(stream)();
  if (E.isLeft(read)) throw new Error(read.left._tag);
  expect(verifyStreamChain(read.right)).toBeUndefined();
  return read.right.map((event) => Number(event.data['counter']));
};

describe('series reservations, batched per series', () => {
  it('reserves 300 concurrent numbers 1…300 in far fewer appends, with an intact hash chain', async () => {
    const { store, appends } = counting(createMemoryEventStore());
    const reservations = createSeriesReservations(store);
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        reservations.reserve(stream, reserveCommand(`inv-${i}`), context('t1', `reserve-${i}`)),
      ),
    );
    expect(outcomes.filter(E.isLeft)).toEqual([]);
    expect(await countersOf(store)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(appends()).toBeLessThan(10);
  });

  it('reserving again for the same invoice gives its number and appends nothing', async () => {
    const { store, appends } = counting(createMemoryEventStore());
    const reservations = createSeriesReservations(store);
    await reservations.reserve(stream, reserveCommand('inv-a'), context('t1', 'r-1'));
    const again = await reservations.reserve(stream, reserveCommand('inv-a'), context('t1', 'r-2'));
    expect(E.isRight(again) && again.right.events).toEqual([]);
    expect(appends()).toBe(1);
    expect(await countersOf(store)).toEqual([1]);
  });

  it('two processes (two reservation batchers on one store) stay gap-free and unique', async () => {
    const shared = createMemoryEventStore();
    const a = createSeriesReservations(shared);
    const b = createSeriesReservations(shared);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? a : b).reserve(stream, reserveCommand(`inv-${i}`), context('t1', `reserve-${i}`)),
      ),
    );
    expect(outcomes.filter(E.isLeft)).toEqual([]);
    expect(await countersOf(shared)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('notices a write to the series by someone else and decides against the new state', async () => {
    const store = createMemoryEventStore();
    const reservations = createSeriesReservations(store);
    await reservations.reserve(stream, reserveCommand('inv-1'), context('t1', 'r-1'));
    // Another writer (a recovery, another process) reserves behind the batcher's cached state.
    await handleCommand(
      store,
      numberSeriesAggregate,
      stream,
      reserveCommand('inv-2'),
      context('t1', 'r-2'),
    )();
    const third = await reservations.reserve(stream, reserveCommand('inv-3'), context('t1', 'r-3'));
    expect(E.isRight(third)).toBe(true);
    expect(await countersOf(store)).toEqual([1, 2, 3]);
  });
});
