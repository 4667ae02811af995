import * as E from 'fp-ts/lib/Either.js';

import type { ExpectedVersion, NewEvent, StoreUnavailable } from '@accrue/domain';
import { storeUnavailable } from '@accrue/domain';

/** An event with its JSON already rendered: the exact text that is stored (and that hash chains cover). */
export interface SerializedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/** One `appendToStream` call, ready to be written alone or as part of a group commit. */
export interface AppendRequest {
  readonly streamName: string;
  readonly expected: ExpectedVersion;
  readonly events: ReadonlyArray<SerializedEvent>;
}

/**
 * Renders the events' JSON up front, so a payload that cannot be serialised (a `bigint` or a cycle smuggled
 * past the types) fails its own request instead of the group commit it would have joined.
 */
export const toAppendRequest = (
  streamName: string,
  expected: ExpectedVersion,
  events: ReadonlyArray<NewEvent>,
): E.Either<StoreUnavailable, AppendRequest> =>
  E.tryCatch(
    () => ({
      streamName,
      expected,
      events: events.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      })),
    }),
    (cause) => storeUnavailable('append: serialise events', cause),
  );
