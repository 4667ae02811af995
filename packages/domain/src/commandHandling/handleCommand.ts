import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type {
  AppendError,
  CorruptEvent,
  EventStore,
  JsonObject,
  NewEvent,
  ReadError,
  StoreUnavailable,
  VersionConflict,
} from '../eventStore/port.js';
import type { Decider } from '../shared/decider.js';
import { deriveEventId } from './eventIds.js';
import { encodeEventCanonically } from './canonicalEncoder.js';
import { canonicalJson, quoteJson, withSerialisedJson } from './canonicalJson.js';
import type { Sha256Hex } from './hashChain.js';
import { eventHashOfCanonicalParts } from './hashChain.js';
import type { CommittedEvent, EventCodec } from './loadStream.js';
import { loadStream } from './loadStream.js';
import type { CommandContext, EventMetadata } from './metadata.js';
import { foldLoaded } from './loadStream.js';

/** An aggregate as the command handler sees it: its decider and how its events are stored. */
export interface Aggregate<Command, Event, State, Error> {
  readonly decider: Decider<Command, Event, State, Error>;
  readonly events: EventCodec<Event>;
}

export interface CommandRejected<Error> {
  readonly _tag: 'CommandRejected';
  readonly error: Error;
}

export type HandleError<Error> = CommandRejected<Error> | VersionConflict | StoreUnavailable | CorruptEvent;

export interface HandleResult<Event, State> {
  readonly streamName: string;
  /** The events this command appended, or, for a repeated command id, the events it appended the first time. */
  readonly events: ReadonlyArray<CommittedEvent<Event>>;
  readonly state: State;
  /**
   * The global position the command's effect reached (its last event's), for read-your-writes; undefined when
   * the command decided nothing on an empty stream.
   */
  readonly position: bigint | undefined;
  /** The stream's version after the command. */
  readonly version: number;
  /** True when the command id had been handled before and nothing was appended now. */
  readonly replayed: boolean;
}

export interface HandleOptions {
  /** Attempts on a version conflict before giving up with it (default 10). */
  readonly maxAttempts?: number;
  /** The SHA-256 used for the hash chain (default: pure JavaScript; the server passes Node's native one). */
  readonly sha256?: Sha256Hex;
}

/**
 * Load, fold, decide, append; the one way commands change the log.
 *
 * - Idempotent: if the stream already holds events of this `commandId`, they are returned and nothing is
 *   appended. Event ids derive from the command id, so even two racing copies of one command cannot both land.
 * - Concurrency: the append expects the version that was read; on `VersionConflict` the stream is read again
 *   and the command decided again, at most `maxAttempts` times.
 * - Every event gets its metadata (ids, tenant, actor, time, schema version) and its place in the stream's
 *   hash chain.
 */
export const handleCommand =
  <Command, Event, State, Error>(
    store: EventStore,
    aggregate: Aggregate<Command, Event, State, Error>,
    streamName: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions = {},
  ): TE.TaskEither<HandleError<Error>, HandleResult<Event, State>> =>
  async () => {
    const maxAttempts = options.maxAttempts ?? 10;
    let lastConflict: VersionConflict | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await attemptOnce(store, aggregate, streamName, command, context, options.sha256)();
      if (E.isRight(outcome) || outcome.left._tag !== 'VersionConflict') return outcome;
      lastConflict = outcome.left;
    }
    return E.left(
      lastConflict ?? { _tag: 'VersionConflict', streamName, expected: 'any', actual: undefined },
    );
  };

const attemptOnce =
  <Command, Event, State, Error>(
    store: EventStore,
    aggregate: Aggregate<Command, Event, State, Error>,
    streamName: string,
    command: Command,
    context: CommandContext,
    sha256: Sha256Hex | undefined,
  ): TE.TaskEither<HandleError<Error>, HandleResult<Event, State>> =>
  async () => {
    const loaded = await loadStream(store, aggregate.events, streamName)();
    if (E.isLeft(loaded)) return E.left<ReadError>(loaded.left);
    const history = loaded.right;
    const state = foldLoaded(aggregate.decider, history);
    const version = history.length;

    const currentPosition = history.at(-1)?.globalPosition;

    const earlier = history.filter((loadedEvent) => loadedEvent.metadata.commandId === context.commandId);
    if (earlier.length > 0) {
      return E.right({
        streamName,
        events: earlier,
        state,
        version,
        replayed: true,
        position: earlier.at(-1)?.globalPosition,
      });
    }

    const decided = aggregate.decider.decide(command, state);
    if (E.isLeft(decided)) return E.left({ _tag: 'CommandRejected', error: decided.left });
    if (decided.right.length === 0) {
      return E.right({ streamName, events: [], state, version, replayed: false, position: currentPosition });
    }

    const prepared = prepareEvents(
      aggregate.events,
      streamName,
      version,
      history.at(-1)?.metadata.hash ?? null,
      decided.right,
      context,
      sha256,
    );
    const appended = await store.appendToStream(
      streamName,
      version === 0 ? 'no_stream' : version,
      prepared.map((p) => p.newEvent),
    )();
    if (E.isLeft(appended)) return E.left<AppendError>(appended.left);

    const events = decided.right.map((event, i): CommittedEvent<Event> => ({
      event,
      metadata: (prepared[i] as PreparedEvent).metadata,
      streamVersion: version + i + 1,
      eventId: (prepared[i] as PreparedEvent).newEvent.eventId,
    }));
    const newState = decided.right.reduce(aggregate.decider.evolve, state);
    return E.right({
      streamName,
      events,
      state: newState,
      version: appended.right.nextExpectedVersion,
      replayed: false,
      position: appended.right.lastPosition,
    });
  };

export interface PreparedEvent {
  readonly newEvent: NewEvent;
  readonly metadata: EventMetadata;
}

/**
 * Encodes decided events with their metadata and hash chain, starting after `version` and `prevHash`.
 *
 * Each event's data is written once, as canonical JSON, straight from the decided event (`canonicalEncoder.ts`:
 * the same text as `canonicalJson` of the codec's `encode`, without building the encoded copy): that text is
 * hashed, handed to stores that keep text (`withSerialisedJson`), and parsed back only if a store asks for
 * `data` (which is then plain data, exactly what a store returns). The metadata's canonical and stored texts
 * are assembled from its quoted fields.
 */
export const prepareEvents = <Event>(
  codec: EventCodec<Event>,
  streamName: string,
  version: number,
  prevHash: string | null,
  events: ReadonlyArray<Event>,
  context: CommandContext,
  sha256?: Sha256Hex,
): PreparedEvent[] => {
  let previous = prevHash;
  return events.map((event, i) => {
    const encoded = encodeEventCanonically(codec.codec, event);
    const eventId = deriveEventId(context.commandId, streamName, i);
    const canonicalData = encoded.data;
    const unhashed: UnhashedMetadata = {
      eventId,
      tenantId: context.tenantId,
      commandId: context.commandId,
      correlationId: context.correlationId ?? context.commandId,
      causationId: context.causationId ?? context.commandId,
      actor: context.actor,
      occurredAt: context.now,
      schemaVersion: codec.schema.currentVersion,
      prevHash: previous,
    };
    const texts = metadataTexts(unhashed);
    const hash = eventHashOfCanonicalParts(
      { streamName, streamVersion: version + i + 1, eventId, type: encoded.type },
      canonicalData,
      texts?.canonical ?? canonicalJson(unhashed),
      sha256,
    );
    previous = hash;
    let data: JsonObject | undefined;
    const newEvent = withSerialisedJson(
      {
        eventId,
        type: encoded.type,
        get data(): JsonObject {
          data ??= JSON.parse(canonicalData) as JsonObject;
          return data;
        },
        // A copy of its own, as the metadata returned to the caller is.
        metadata: withHash(unhashed, hash),
      },
      { data: canonicalData, metadata: texts?.stored(hash) ?? JSON.stringify(withHash(unhashed, hash)) },
    );
    return { newEvent, metadata: withHash(unhashed, hash) };
  });
};

/** The metadata with its hash, keys in their usual order: a literal, much cheaper than a spread here. */
const withHash = (m: UnhashedMetadata, hash: string): EventMetadata => ({
  eventId: m.eventId,
  tenantId: m.tenantId,
  commandId: m.commandId,
  correlationId: m.correlationId,
  causationId: m.causationId,
  actor: m.actor,
  occurredAt: m.occurredAt,
  schemaVersion: m.schemaVersion,
  prevHash: m.prevHash,
  hash,
});

type UnhashedMetadata = Omit<EventMetadata, 'hash'>;

/**
 * The canonical JSON of unhashed metadata, and its stored JSON once the hash is known (keys in the order
 * `JSON.stringify` writes `EventMetadata`), built from each field quoted once. Undefined when a field is not of
 * its declared type (a caller outside TypeScript): the general functions then do what they always did.
 */
const metadataTexts = (
  m: UnhashedMetadata,
): { readonly canonical: string; readonly stored: (hash: string) => string } | undefined => {
  const texts = [m.eventId, m.tenantId, m.commandId, m.correlationId, m.causationId, m.actor, m.occurredAt];
  if (!texts.every(isString) || !isNumber(m.schemaVersion) || !(m.prevHash === null || isString(m.prevHash)))
    return undefined;
  const eventId = quoteJson(m.eventId);
  const tenantId = quoteJson(m.tenantId);
  const commandId = quoteJson(m.commandId);
  const correlationId = quoteJson(m.correlationId);
  const causationId = quoteJson(m.causationId);
  const actor = quoteJson(m.actor);
  const occurredAt = quoteJson(m.occurredAt);
  const schemaVersion = canonicalJson(m.schemaVersion);
  const prevHash = m.prevHash === null ? 'null' : quoteJson(m.prevHash);
  return {
    canonical:
      `{"actor":${actor},"causationId":${causationId},"commandId":${commandId},"correlationId":${correlationId},` +
      `"eventId":${eventId},"occurredAt":${occurredAt},"prevHash":${prevHash},"schemaVersion":${schemaVersion},` +
      `"tenantId":${tenantId}}`,
    stored: (hash) =>
      `{"eventId":${eventId},"tenantId":${tenantId},"commandId":${commandId},"correlationId":${correlationId},` +
      `"causationId":${causationId},"actor":${actor},"occurredAt":${occurredAt},"schemaVersion":${schemaVersion},` +
      `"prevHash":${prevHash},"hash":${quoteJson(hash)}}`,
  };
};

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number';
