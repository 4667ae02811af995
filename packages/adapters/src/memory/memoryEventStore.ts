import * as TE from 'fp-ts/lib/TaskEither.js';

import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllBatch,
  RecordedEvent,
} from '@accrue/domain';
import { storeUnavailable, versionConflict } from '@accrue/domain';

import { CommitSignal } from '../shared/commitSignal.js';
import { followByReading } from '../shared/follow.js';
import { expectedVersionHolds } from '../shared/expectedVersion.js';

/**
 * The in-memory event store, for unit tests and the EventStoreDB test double. It follows the same contract as
 * the durable stores, including copying data in and out, so a test cannot pass by mutating shared objects.
 */
export const createMemoryEventStore = (): EventStore & { readonly size: () => number } => {
  const log: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const eventIds = new Set<string>();
  const commits = new CommitSignal();
  let closed = false;

  const closedError = () => storeUnavailable('memory', new Error('the store is closed'));

  const append = (
    streamName: string,
    expected: ExpectedVersion,
    events: ReadonlyArray<NewEvent>,
  ): AppendResult | 'conflict' => {
    const stream = streams.get(streamName) ?? [];
    if (!expectedVersionHolds(expected, stream.length)) return 'conflict';
    if (events.some((event) => eventIds.has(event.eventId))) return 'conflict';
    for (const event of events) {
      const recorded: RecordedEvent = {
        streamName,
        streamVersion: stream.length + 1,
        globalPosition: BigInt(log.length + 1),
        eventId: event.eventId,
        type: event.type,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
      };
      stream.push(recorded);
      log.push(recorded);
      eventIds.add(event.eventId);
    }
    streams.set(streamName, stream);
    return { nextExpectedVersion: stream.length, lastPosition: BigInt(log.length) };
  };

  const store: EventStore & { readonly size: () => number } = {
    size: () => log.length,
    readStream: (streamName, options = {}) =>
      closed
        ? TE.left(closedError())
        : TE.right(
            (streams.get(streamName) ?? [])
              .slice(Math.max(0, (options.fromVersion ?? 1) - 1))
              .slice(0, options.maxCount ?? Number.MAX_SAFE_INTEGER)
              .map(copy),
          ),
    appendToStream: (streamName, expected, events) => {
      if (closed) return TE.left(closedError());
      if (events.length === 0) {
        const version = streams.get(streamName)?.length ?? 0;
        return expectedVersionHolds(expected, version)
          ? TE.right({ nextExpectedVersion: version, lastPosition: BigInt(log.length) })
          : TE.left(versionConflict(streamName, expected, version));
      }
      const result = append(streamName, expected, events);
      if (result === 'conflict')
        return TE.left(versionConflict(streamName, expected, streams.get(streamName)?.length ?? 0));
      commits.notify();
      return TE.right(result);
    },
    readAll: ({ after, maxCount }) => {
      if (closed) return TE.left(closedError());
      const start = after === undefined ? 0 : Number(after);
      const events = log.slice(start, start + maxCount).map(copy);
      const batch: ReadAllBatch = { events, lastPosition: events.at(-1)?.globalPosition ?? after };
      return TE.right(batch);
    },
    follow: (options) => followByReading((readOptions) => store.readAll(readOptions), commits, options),
    close: () => {
      closed = true;
      commits.notify();
      return Promise.resolve();
    },
  };
  return store;
};

const copy = (event: RecordedEvent): RecordedEvent => ({
  ...event,
  data: structuredClone(event.data),
  metadata: structuredClone(event.metadata),
});
