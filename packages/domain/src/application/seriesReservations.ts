import * as E from 'fp-ts/lib/Either.js';

import type { HandleError, HandleResult } from '../commandHandling/handleCommand.js';
import { prepareEvents } from '../commandHandling/handleCommand.js';
import type { Sha256Hex } from '../commandHandling/hashChain.js';
import type { CommittedEvent } from '../commandHandling/loadStream.js';
import { foldLoaded, loadStream } from '../commandHandling/loadStream.js';
import type { CommandContext } from '../commandHandling/metadata.js';
import type { EventStore, NewEvent } from '../eventStore/port.js';
import type { ReserveNumber } from '../numbering/commands.js';
import type { NumberSeriesError } from '../numbering/errors.js';
import type { NumberSeriesEvent } from '../numbering/events.js';
import type { NumberSeriesState } from '../numbering/state.js';
import { numberSeriesAggregate } from './aggregates.js';
import type { KeyedMutex } from './keyedMutex.js';
import { bug } from '../shared/bug.js';

export type ReservationOutcome = E.Either<
  HandleError<NumberSeriesError>,
  HandleResult<NumberSeriesEvent, NumberSeriesState>
>;

/**
 * Number reservations of one process, batched per series (ADR 6).
 *
 * Gap-free numbering serialises reservations per series, so one durable commit per reservation caps
 * approvals at the store's commit rate (a few hundred a second on SQLite with `synchronous=FULL`), and
 * re-reading the series stream for each one costs O(numbers issued this year). Instead, reservations that
 * arrive while a commit is in flight wait for it and are then decided together, one after another against the
 * evolving series state, and appended in **one** append with the expected version. The folded state is kept
 * between batches; any `VersionConflict` (another process, a recovery or an annulment in this one) drops it,
 * reloads and decides the whole batch again. Each reservation keeps its own command id, event id and place in
 * the hash chain: the log is exactly what one-by-one `handleCommand` calls would have written.
 */
export interface SeriesReservations {
  readonly reserve: (
    seriesStream: string,
    command: ReserveNumber,
    context: CommandContext,
  ) => Promise<ReservationOutcome>;
}

interface Pending {
  readonly command: ReserveNumber;
  readonly context: CommandContext;
  readonly resolve: (outcome: ReservationOutcome) => void;
}

interface Cached {
  readonly state: NumberSeriesState;
  readonly version: number;
  readonly lastHash: string | null;
  readonly position: bigint | undefined;
}

interface Series {
  readonly pending: Pending[];
  draining: boolean;
  cached: Cached | undefined;
}

export interface SeriesReservationOptions {
  readonly sha256?: Sha256Hex;
  /** Reservations decided and appended together at most (default 256). */
  readonly maxBatch?: number;
  /** Attempts on a version conflict before a batch gives up with it (default 50). */
  readonly maxAttempts?: number;
}

export const createSeriesReservations = (
  store: EventStore,
  options: SeriesReservationOptions = {},
): SeriesReservations => {
  const maxBatch = options.maxBatch ?? 256;
  const maxAttempts = options.maxAttempts ?? 50;
  const series = new Map<string, Series>();

  const load = async (streamName: string): Promise<E.Either<HandleError<NumberSeriesError>, Cached>> => {
    const history = await loadStream(store, numberSeriesAggregate.events, streamName)();
    if (E.isLeft(history)) return history;
    const last = history.right.at(-1);
    return E.right({
      state: foldLoaded(numberSeriesAggregate.decider, history.right),
      version: history.right.length,
      lastHash: last?.metadata.hash ?? null,
      position: last?.globalPosition,
    });
  };

  const runBatch = async (
    streamName: string,
    entry: Series,
    batch: ReadonlyArray<Pending>,
  ): Promise<void> => {
    let lastError: HandleError<NumberSeriesError> | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (entry.cached === undefined) {
        const loaded = await load(streamName);
        if (E.isLeft(loaded)) {
          for (const request of batch) request.resolve(loaded);
          return;
        }
        entry.cached = loaded.right;
      }
      const start = entry.cached;
      let { state, version, lastHash } = start;
      const appended: NewEvent[] = [];
      const decisions: Array<
        | { readonly _tag: 'rejected'; readonly error: NumberSeriesError }
        | { readonly _tag: 'decided'; readonly events: ReadonlyArray<CommittedEvent<NumberSeriesEvent>> }
      > = [];
      for (const request of batch) {
        const decided = numberSeriesAggregate.decider.decide(request.command, state);
        if (E.isLeft(decided)) {
          decisions.push({ _tag: 'rejected', error: decided.left });
          continue;
        }
        const prepared = prepareEvents(
          numberSeriesAggregate.events,
          streamName,
          version,
          lastHash,
          decided.right,
          request.context,
          options.sha256,
        );
        decisions.push({
          _tag: 'decided',
          events: decided.right.map((event, i) => {
            const { newEvent, metadata } = prepared[i] ?? unreachable();
            return { event, metadata, streamVersion: version + i + 1, eventId: newEvent.eventId };
          }),
        });
        for (const { newEvent, metadata } of prepared) {
          appended.push(newEvent);
          lastHash = metadata.hash;
        }
        state = decided.right.reduce(numberSeriesAggregate.decider.evolve, state);
        version += decided.right.length;
      }

      let position = start.position;
      if (appended.length > 0) {
        const result = await store.appendToStream(
          streamName,
          start.version === 0 ? 'no_stream' : start.version,
          appended,
        )();
        if (E.isLeft(result)) {
          entry.cached = undefined;
          lastError = result.left;
          if (result.left._tag === 'VersionConflict') continue;
          for (const request of batch) request.resolve(E.left(result.left));
          return;
        }
        position = result.right.lastPosition;
      }
      entry.cached = { state, version, lastHash, position };
      batch.forEach((request, i) => {
        const decision = decisions[i] ?? unreachable();
        request.resolve(
          decision._tag === 'rejected'
            ? E.left({ _tag: 'CommandRejected', error: decision.error })
            : E.right({
                streamName,
                events: decision.events,
                state,
                version,
                replayed: false,
                position: decision.events.length > 0 ? position : start.position,
              }),
        );
      });
      return;
    }
    const conflict: HandleError<NumberSeriesError> = lastError ?? {
      _tag: 'VersionConflict',
      streamName,
      expected: 'any',
      actual: undefined,
    };
    for (const request of batch) request.resolve(E.left(conflict));
  };

  const drain = async (streamName: string, entry: Series): Promise<void> => {
    entry.draining = true;
    try {
      while (entry.pending.length > 0) {
        await runBatch(streamName, entry, entry.pending.splice(0, maxBatch));
      }
    } finally {
      entry.draining = false;
    }
  };

  return {
    reserve: (seriesStream, command, context) =>
      new Promise<ReservationOutcome>((resolve) => {
        let entry = series.get(seriesStream);
        if (entry === undefined) {
          entry = { pending: [], draining: false, cached: undefined };
          series.set(seriesStream, entry);
        }
        entry.pending.push({ command, context, resolve });
        if (!entry.draining) void drain(seriesStream, entry);
      }),
  };
};

// Decisions and prepared events are built one per request, in order.
const unreachable = (): never => bug('series reservation batch lost track of a request');

const byMutex = new WeakMap<KeyedMutex, WeakMap<EventStore, SeriesReservations>>();

/**
 * The reservations of one process's coordination domain: `seriesLocks` stands for it (one per runtime), so all
 * approvals and credit notes sharing it share batches, without changing what callers pass.
 */
export const seriesReservationsFor = (
  seriesLocks: KeyedMutex,
  store: EventStore,
  sha256: Sha256Hex | undefined,
): SeriesReservations => {
  let perStore = byMutex.get(seriesLocks);
  if (perStore === undefined) {
    perStore = new WeakMap();
    byMutex.set(seriesLocks, perStore);
  }
  let reservations = perStore.get(store);
  if (reservations === undefined) {
    reservations = createSeriesReservations(store, sha256 === undefined ? {} : { sha256 });
    perStore.set(store, reservations);
  }
  return reservations;
};
