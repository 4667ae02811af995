import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import type { CorruptEvent, EventStore, JsonObject, ReadError, RecordedEvent } from '../eventStore/port.js';
import { corruptEvent } from '../eventStore/port.js';
import { DECODE_FAILED, compileDecoder } from './fastDecoder.js';
import type { EventMetadata } from './metadata.js';
import { EventMetadata as EventMetadataCodec } from './metadata.js';
import type { EventSchema } from './upcasting.js';
import { upcast } from './upcasting.js';

/** How an aggregate's events are stored: the codec of `{ type, data }` messages and their schema history. */
export interface EventCodec<Event> {
  readonly codec: t.Type<Event, { readonly type: string; readonly data: unknown }>;
  readonly schema: EventSchema;
}

/** A domain event as committed to its stream. */
export interface CommittedEvent<Event> {
  readonly event: Event;
  readonly metadata: EventMetadata;
  readonly streamVersion: number;
  readonly eventId: string;
}

/** A domain event as read back, with its place in the global log. */
export interface LoadedEvent<Event> extends CommittedEvent<Event> {
  readonly globalPosition: bigint;
}

const fastMetadata = compileDecoder(EventMetadataCodec);

/**
 * Decodes one stored event: metadata, upcasting, then the aggregate's codec. Anything off is `CorruptEvent`.
 *
 * The codecs run compiled (`fastDecoder.ts`: the same values as their `decode`, without io-ts's per-node
 * bookkeeping); an event that does not decode that way is decoded again by the codecs themselves, which give the
 * `CorruptEvent`'s reason.
 */
export const decodeRecordedEvent = <Event>(
  codec: EventCodec<Event>,
  recorded: RecordedEvent,
): E.Either<CorruptEvent, LoadedEvent<Event>> => {
  const metadata = fastMetadata(recorded.metadata);
  if (metadata !== DECODE_FAILED) {
    const upcasted = upcast(codec.schema, recorded.type, recorded.data, metadata.schemaVersion);
    if (E.isRight(upcasted)) {
      const event = compileDecoder(codec.codec)({ type: recorded.type, data: upcasted.right });
      if (event !== DECODE_FAILED) {
        return E.right({
          event,
          metadata,
          streamVersion: recorded.streamVersion,
          globalPosition: recorded.globalPosition,
          eventId: recorded.eventId,
        });
      }
    }
  }
  return decodeWithCodecs(codec, recorded);
};

/** `decodeRecordedEvent` by the codecs themselves, with io-ts's report of what does not decode. */
const decodeWithCodecs = <Event>(
  codec: EventCodec<Event>,
  recorded: RecordedEvent,
): E.Either<CorruptEvent, LoadedEvent<Event>> => {
  const where = { streamName: recorded.streamName, globalPosition: recorded.globalPosition };
  const metadata = EventMetadataCodec.decode(recorded.metadata);
  if (E.isLeft(metadata)) {
    return E.left(corruptEvent(`bad metadata: ${PathReporter.report(metadata).join('; ')}`, where));
  }
  const upcasted = upcast(codec.schema, recorded.type, recorded.data, metadata.right.schemaVersion);
  if (E.isLeft(upcasted)) {
    return E.left(
      corruptEvent(`${recorded.type} v${upcasted.left.fromVersion}: ${upcasted.left.reason}`, where),
    );
  }
  const event = codec.codec.decode({ type: recorded.type, data: upcasted.right });
  if (E.isLeft(event)) {
    return E.left(
      corruptEvent(`${recorded.type} does not decode: ${PathReporter.report(event).join('; ')}`, where),
    );
  }
  return E.right({
    event: event.right,
    metadata: metadata.right,
    streamVersion: recorded.streamVersion,
    globalPosition: recorded.globalPosition,
    eventId: recorded.eventId,
  });
};

/** Reads and decodes a whole stream. */
export const loadStream =
  <Event>(
    store: EventStore,
    codec: EventCodec<Event>,
    streamName: string,
  ): TE.TaskEither<ReadError, ReadonlyArray<LoadedEvent<Event>>> =>
  async () => {
    const recorded = await store.readStream(streamName)();
    if (E.isLeft(recorded)) return recorded;
    const loaded: LoadedEvent<Event>[] = [];
    for (const event of recorded.right) {
      const decoded = decodeRecordedEvent(codec, event);
      if (E.isLeft(decoded)) return decoded;
      loaded.push(decoded.right);
    }
    return E.right(loaded);
  };

export type { JsonObject };

/** The state after `loaded` events: the fold every reader of a stream does, in one place. */
export const foldLoaded = <Event, State>(
  decider: { readonly evolve: (state: State, event: Event) => State; readonly initialState: State },
  loaded: ReadonlyArray<{ readonly event: Event }>,
): State => loaded.reduce((state, entry) => decider.evolve(state, entry.event), decider.initialState);
