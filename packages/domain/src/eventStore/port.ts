import type * as TE from 'fp-ts/lib/TaskEither.js';

/**
 * The event store port. Four implementations (memory, SQLite, PostgreSQL, EventStoreDB) run one contract
 * suite (`@accrue/adapters/testing`), so the domain and projections never see a vendor's numbering or errors.
 *
 * Numbering (ADR 4):
 * - A stream's **version** is the number of events in it. The first event has version 1; an empty or absent
 *   stream has version 0. (EventStoreDB revisions are 0-based: revision r is version r + 1.)
 * - The **global position** is a `bigint` that strictly increases in commit order across all streams. It need
 *   not be contiguous (EventStoreDB commit positions are byte offsets), but a reader that has seen position p
 *   never later sees an event committed with a position ≤ p (no gaps filled in behind a reader).
 */

/** JSON values as stored: events are data, never classes. */
export type Json = string | number | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** An event to append. `eventId` is derived deterministically from the command (see the command handler). */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export interface RecordedEvent {
  readonly streamName: string;
  /** 1-based position of the event in its stream. */
  readonly streamVersion: number;
  readonly globalPosition: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

/**
 * What the appender believes about the stream: `'any'` (no check), `'no_stream'` (must be empty or absent),
 * `'stream_exists'` (must have at least one event), or the exact current version.
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** The stream's version after the append (its last event's version). */
  readonly nextExpectedVersion: number;
  /** The global position of the last appended event. */
  readonly lastPosition: bigint;
}

export interface VersionConflict {
  readonly _tag: 'VersionConflict';
  readonly streamName: string;
  readonly expected: ExpectedVersion;
  /** The stream's actual version, where the store reports it. */
  readonly actual: number | undefined;
  readonly cause?: unknown;
}

export interface StoreUnavailable {
  readonly _tag: 'StoreUnavailable';
  readonly operation: string;
  readonly message: string;
  readonly cause?: unknown;
}

export interface CorruptEvent {
  readonly _tag: 'CorruptEvent';
  readonly streamName: string | undefined;
  readonly globalPosition: bigint | undefined;
  readonly reason: string;
  readonly cause?: unknown;
}

export type ReadError = StoreUnavailable | CorruptEvent;

/**
 * Carries a tagged store error through APIs that can only reject (async iterators). `failure` is the tagged
 * value; the message is for logs.
 */
export class StoreFailure extends Error {
  constructor(readonly failure: StoreUnavailable | CorruptEvent | VersionConflict) {
    super(
      `${failure._tag}: ${'message' in failure ? failure.message : 'reason' in failure ? failure.reason : failure.streamName}`,
    );
    this.name = 'StoreFailure';
  }
}
export type AppendError = VersionConflict | StoreUnavailable;

export const versionConflict = (
  streamName: string,
  expected: ExpectedVersion,
  actual: number | undefined,
  cause?: unknown,
): VersionConflict => ({
  _tag: 'VersionConflict',
  streamName,
  expected,
  actual,
  ...(cause === undefined ? {} : { cause }),
});

export const storeUnavailable = (operation: string, cause: unknown): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  operation,
  message: describeCause(cause),
  cause,
});

export const corruptEvent = (
  reason: string,
  where: { readonly streamName?: string; readonly globalPosition?: bigint },
  cause?: unknown,
): CorruptEvent => ({
  _tag: 'CorruptEvent',
  streamName: where.streamName,
  globalPosition: where.globalPosition,
  reason,
  ...(cause === undefined ? {} : { cause }),
});

const describeCause = (cause: unknown): string =>
  cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : 'unknown error';

export interface ReadStreamOptions {
  /** First version to return (default 1). */
  readonly fromVersion?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this position (default: from the start). */
  readonly after?: bigint;
  /** Batch size: at most this many events (required, so a caller never loads a whole log by accident). */
  readonly maxCount: number;
}

export interface ReadAllBatch {
  readonly events: ReadonlyArray<RecordedEvent>;
  /** The position to pass as `after` for the next batch: the last event's position, or `after` if none. */
  readonly lastPosition: bigint | undefined;
}

export interface FollowOptions {
  readonly after?: bigint;
  /** Aborting ends the iteration cleanly. */
  readonly signal?: AbortSignal;
  readonly batchSize?: number;
}

export interface EventStore {
  /** A stream's events in order; an absent stream reads as empty. */
  readStream(
    streamName: string,
    options?: ReadStreamOptions,
  ): TE.TaskEither<ReadError, ReadonlyArray<RecordedEvent>>;
  /** Appends atomically: all events or none, and only if `expected` holds. */
  appendToStream(
    streamName: string,
    expected: ExpectedVersion,
    events: ReadonlyArray<NewEvent>,
  ): TE.TaskEither<AppendError, AppendResult>;
  /** One batch of the global log in commit order. */
  readAll(options: ReadAllOptions): TE.TaskEither<ReadError, ReadAllBatch>;
  /**
   * Follows the global log: first the events already committed after `after`, then new ones as they commit,
   * in order, until the signal aborts. A store failure ends the iteration with a `StoreFailure` rejection
   * carrying the tagged error.
   */
  follow(options: FollowOptions): AsyncIterable<RecordedEvent>;
  /** Releases connections and file handles; pending group commits are flushed first. */
  close(): Promise<void>;
}
