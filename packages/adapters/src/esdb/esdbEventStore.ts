import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';

import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  Position,
  ReadPosition,
  RecordedEvent as EsdbRecordedEvent,
  StreamingRead,
} from '@eventstore/db-client';

import type {
  AppendError,
  AppendResult,
  CorruptEvent,
  EventStore,
  ExpectedVersion,
  FollowOptions,
  JsonObject,
  NewEvent,
  ReadAllBatch,
  ReadAllOptions,
  ReadError,
  ReadStreamOptions,
  RecordedEvent,
  StoreUnavailable,
} from '@accrue/domain';
import { StoreFailure, corruptEvent, storeUnavailable, versionConflict } from '@accrue/domain';

import { expectedVersionHolds } from '../shared/expectedVersion.js';
import { fromStoredId, toStoredId } from './eventIds.js';

/** Options for {@link createEsdbEventStore}. */
export interface EsdbEventStoreOptions {
  /** An EventStoreDB connection string, e.g. `esdb://localhost:2113?tls=false`. */
  readonly connectionString: string;
  /**
   * Upper bound, in milliseconds, on one append and on a read making no progress (default 10 000). The client
   * leaves reads without a deadline, and a server that accepts a connection but never answers would otherwise
   * hang the caller; past the bound the operation fails with `StoreUnavailable`.
   */
  readonly operationTimeoutMs?: number;
}

/** `$all` position the server sends when it has none (unsigned -1); stream reads carry it before 22.10. */
const NO_POSITION = 18_446_744_073_709_551_615n;

/**
 * The EventStoreDB event store (`@eventstore/db-client` over gRPC), for users who outgrow one machine.
 *
 * Mapping to the port (ADR: EventStoreDB adapter):
 * - Versions: EventStoreDB revision r is our version r + 1; expected version n is revision n − 1, and 0 is
 *   `NO_STREAM`. A `WrongExpectedVersionError` becomes `VersionConflict` with the server's current version.
 * - Global position: the event's `$all` commit position (a byte offset: increasing, not contiguous). Stream
 *   reads need a server that reports it there too (EventStoreDB 22.10 or later); an event without one reads
 *   as `CorruptEvent`.
 * - Event ids go to the server as the EventStoreDB event id (see `eventIds.ts` for ids that are not UUIDs),
 *   so a retried append is recognised by the server's idempotency check.
 * - Data and metadata are JSON events; anything else read back (binary, unparseable, not an object) is
 *   `CorruptEvent`.
 * - The global log is `$all` without system events: server-side with `excludeSystemEvents()` for `follow`;
 *   for `readAll`, which has no server-side filter in this client version, the same rule (event type or
 *   stream name starting with `$`) is applied as events arrive, reading on until the batch is full.
 * - Connection, deadline and server failures are `StoreUnavailable` with the client error as `cause`. After
 *   an append fails that way its outcome is unknown; retrying with the same event ids is safe.
 */
export const createEsdbEventStore = (options: EsdbEventStoreOptions): EventStore => {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const timeoutMs = options.operationTimeoutMs ?? 10_000;
  const followers = new Set<() => void>();
  let closed = false;

  const unavailable =
    (operation: string) =>
    (cause: unknown): StoreUnavailable =>
      storeUnavailable(`esdb.${operation}`, cause);
  const closedError = (operation: string): StoreUnavailable =>
    unavailable(operation)(new Error('the store is closed'));

  const collectRead = <A>(operation: string, read: () => StreamingRead<A>): TE.TaskEither<unknown, A[]> =>
    TE.tryCatch(
      () => collect(read(), timeoutMs, operation),
      (cause) => cause,
    );

  const readStream = (
    streamName: string,
    { fromVersion = 1, maxCount = Number.MAX_SAFE_INTEGER }: ReadStreamOptions = {},
  ): TE.TaskEither<ReadError, ReadonlyArray<RecordedEvent>> => {
    if (closed) return TE.left(closedError('readStream'));
    if (maxCount <= 0) return TE.right([]);
    return pipe(
      collectRead('readStream', () =>
        client.readStream(streamName, {
          fromRevision: BigInt(Math.max(1, fromVersion) - 1),
          maxCount,
          direction: FORWARDS,
        }),
      ),
      TE.orElse((cause) =>
        cause instanceof StreamNotFoundError ? TE.right([]) : TE.left(unavailable('readStream')(cause)),
      ),
      TE.flatMapEither((resolved) => decodeAll(resolved.map((r) => r.event))),
    );
  };

  /** The stream's current version (0 when absent) and its last event's position. */
  const streamHead = (streamName: string): TE.TaskEither<unknown, { version: number; position?: bigint }> =>
    pipe(
      collectRead('appendToStream', () =>
        client.readStream(streamName, { fromRevision: END, direction: BACKWARDS, maxCount: 1 }),
      ),
      TE.map((resolved) => {
        const last = resolved[0]?.event;
        if (last === undefined) return { version: 0 };
        const position = last.position?.commit;
        return {
          version: Number(last.revision) + 1,
          ...(position === undefined || position === NO_POSITION ? {} : { position }),
        };
      }),
      TE.orElse((cause) =>
        cause instanceof StreamNotFoundError ? TE.right({ version: 0 }) : TE.left(cause),
      ),
    );

  /** The position of the newest record in `$all` (0 for an empty log). */
  const logHead: TE.TaskEither<unknown, bigint> = pipe(
    collectRead('appendToStream', () =>
      client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
    ),
    TE.map((resolved) => positionOf(resolved[0]) ?? 0n),
  );

  const appendNothing = (
    streamName: string,
    expected: ExpectedVersion,
  ): TE.TaskEither<AppendError, AppendResult> =>
    pipe(
      streamHead(streamName),
      TE.mapError(unavailable('appendToStream')),
      TE.flatMap(({ version }): TE.TaskEither<AppendError, AppendResult> =>
        expectedVersionHolds(expected, version)
          ? pipe(
              logHead,
              TE.mapError(unavailable('appendToStream')),
              TE.map((lastPosition) => ({ nextExpectedVersion: version, lastPosition })),
            )
          : TE.left(versionConflict(streamName, expected, version)),
      ),
    );

  const appendToStream = (
    streamName: string,
    expected: ExpectedVersion,
    events: ReadonlyArray<NewEvent>,
  ): TE.TaskEither<AppendError, AppendResult> => {
    if (closed) return TE.left(closedError('appendToStream'));
    const expectedRevision = toExpectedRevision(expected);
    if (events.length === 0) return appendNothing(streamName, expected);
    // Built before the task runs, so a reserved metadata key fails the caller at once (a programmer error).
    const proposed = events.map((event) => {
      const stored = toStoredId(event.eventId, event.metadata);
      return jsonEvent({ id: stored.id, type: event.type, data: event.data, metadata: stored.metadata });
    });
    return pipe(
      TE.tryCatch(
        () =>
          withTimeout(timeoutMs, 'appendToStream', () =>
            client.appendToStream(streamName, proposed, { expectedRevision, deadline: timeoutMs }),
          ),
        (cause): AppendError =>
          cause instanceof WrongExpectedVersionError
            ? versionConflict(streamName, expected, actualVersion(cause), cause)
            : unavailable('appendToStream')(cause),
      ),
      TE.flatMap((result) => {
        const nextExpectedVersion = Number(result.nextExpectedRevision) + 1;
        if (result.position !== undefined) {
          return TE.right({ nextExpectedVersion, lastPosition: result.position.commit });
        }
        // Servers answer an idempotent retry without a position; the stream's newest event is at or after
        // the write, which is what a caller waiting for `lastPosition` needs.
        return pipe(
          streamHead(streamName),
          TE.mapError(unavailable('appendToStream')),
          TE.flatMap(({ position }) =>
            position === undefined
              ? TE.left(unavailable('appendToStream')(new Error('the server reported no $all position')))
              : TE.right({ nextExpectedVersion, lastPosition: position }),
          ),
        );
      }),
    );
  };

  const readAll = ({ after, maxCount }: ReadAllOptions): TE.TaskEither<ReadError, ReadAllBatch> => {
    if (closed) return TE.left(closedError('readAll'));
    return async () => {
      const events: RecordedEvent[] = [];
      let from: ReadPosition = after === undefined ? START : { commit: after, prepare: after };
      for (;;) {
        // One more than needed: a read from a position includes the event at it, which is skipped.
        const chunkSize = maxCount - events.length + 1;
        const chunk = await collectRead('readAll', () =>
          client.readAll({ fromPosition: from, maxCount: chunkSize, direction: FORWARDS }),
        )();
        if (E.isLeft(chunk)) return E.left(unavailable('readAll')(chunk.left));
        let last: Position | undefined;
        for (const resolved of chunk.right) {
          const record = resolved.event;
          if (record === undefined) continue;
          last = record.position;
          if (after !== undefined && record.position.commit <= after) continue;
          if (isSystemEvent(record.streamId, record.type)) continue;
          const decoded = decode(record);
          if (E.isLeft(decoded)) return decoded;
          events.push(decoded.right);
          if (events.length === maxCount) break;
        }
        if (events.length >= maxCount || chunk.right.length < chunkSize || last === undefined) break;
        from = last;
      }
      return E.right({ events, lastPosition: events.at(-1)?.globalPosition ?? after });
    };
  };

  async function* follow({ after, signal, batchSize = 500 }: FollowOptions): AsyncGenerator<RecordedEvent> {
    if (closed) throw new StoreFailure(closedError('follow'));
    if (signal?.aborted === true) return;
    const subscription = client.subscribeToAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: excludeSystemEvents(),
    });
    const inbox = new Inbox<AllStreamResolvedEvent>(batchSize, subscription);
    let stopping = false;
    const stop = (): void => {
      stopping = true;
      inbox.end();
    };
    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      inbox.push(resolved);
    });
    subscription.on('error', (error: Error) => {
      inbox.fail(error);
    });
    const endedByServer = (): void => {
      if (!stopping) inbox.fail(new Error('the server ended the subscription'));
    };
    subscription.on('end', endedByServer);
    subscription.on('close', endedByServer);
    signal?.addEventListener('abort', stop, { once: true });
    followers.add(stop);
    let lastPosition = after;
    try {
      for (;;) {
        const next = await inbox.next().catch((cause: unknown) => {
          throw new StoreFailure(unavailable('follow')(cause));
        });
        if (next.done) return;
        const record = next.value.event;
        // The filter runs on the server; the stream-name half of our rule and the position guard run here.
        if (record === undefined || isSystemEvent(record.streamId, record.type)) continue;
        if (lastPosition !== undefined && record.position.commit <= lastPosition) continue;
        const decoded = decode(record);
        if (E.isLeft(decoded)) throw new StoreFailure(decoded.left);
        lastPosition = decoded.right.globalPosition;
        yield decoded.right;
      }
    } finally {
      stopping = true;
      followers.delete(stop);
      signal?.removeEventListener('abort', stop);
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  return {
    readStream,
    appendToStream,
    readAll,
    follow,
    close: async () => {
      closed = true;
      for (const stop of followers) stop();
      await client.dispose();
    },
  };
};

const toExpectedRevision = (expected: ExpectedVersion): AppendExpectedRevision => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`expected version must be a non-negative integer, got ${expected}`);
      }
      return expected === 0 ? NO_STREAM : BigInt(expected - 1);
  }
};

const actualVersion = (error: WrongExpectedVersionError): number | undefined => {
  // Built from bare gRPC metadata the error carries no versions, whatever its type says.
  const actual = error.actualVersion as WrongExpectedVersionError['actualVersion'] | undefined;
  if (actual === undefined) return undefined;
  return actual === 'no_stream' ? 0 : Number(actual) + 1;
};

/** System records: `$`-prefixed event types (metadata, links, stats) or streams. */
const isSystemEvent = (streamName: string, type: string): boolean =>
  type.startsWith('$') || streamName.startsWith('$');

const positionOf = (resolved: AllStreamResolvedEvent | undefined): bigint | undefined =>
  resolved?.event?.position.commit ?? resolved?.commitPosition;

/** JSON.parse output that is an object: the only shape our events have. */
const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const decode = (record: EsdbRecordedEvent): E.Either<CorruptEvent, RecordedEvent> => {
  const position = record.position?.commit;
  const where = {
    streamName: record.streamId,
    ...(position === undefined || position === NO_POSITION ? {} : { globalPosition: position }),
  };
  if (position === undefined || position === NO_POSITION) {
    return E.left(
      corruptEvent(`event ${record.id} came without a $all position (EventStoreDB 22.10+ sends one)`, where),
    );
  }
  if (!record.isJson) return E.left(corruptEvent(`event ${record.id} is not a JSON event`, where));
  if (!isJsonObject(record.data)) {
    return E.left(corruptEvent(`event ${record.id}: data is not a JSON object (or not parseable)`, where));
  }
  const metadata: unknown = record.metadata ?? {};
  if (!isJsonObject(metadata)) {
    return E.left(
      corruptEvent(`event ${record.id}: metadata is not a JSON object (or not parseable)`, where),
    );
  }
  const ours = fromStoredId(record.id, metadata);
  return E.right({
    streamName: record.streamId,
    streamVersion: Number(record.revision) + 1,
    globalPosition: position,
    eventId: ours.eventId,
    type: record.type,
    data: record.data,
    metadata: ours.metadata,
  });
};

const decodeAll = (
  records: ReadonlyArray<EsdbRecordedEvent | undefined>,
): E.Either<CorruptEvent, ReadonlyArray<RecordedEvent>> => {
  const events: RecordedEvent[] = [];
  for (const record of records) {
    if (record === undefined) {
      return E.left(corruptEvent('a stream read returned an entry without an event', {}));
    }
    const decoded = decode(record);
    if (E.isLeft(decoded)) return decoded;
    events.push(decoded.right);
  }
  return E.right(events);
};

/** Rejects when `run` has not settled within `ms`; the client's own deadline normally comes first. */
const withTimeout = <A>(ms: number, operation: string, run: () => Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${operation}: no answer from EventStoreDB within ${ms} ms`));
    }, ms);
    run().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/** Drains a read; fails (and cancels the call) when it makes no progress for `idleMs`. */
const collect = <A>(read: StreamingRead<A>, idleMs: number, operation: string): Promise<A[]> =>
  new Promise((resolve, reject) => {
    const items: A[] = [];
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void read.cancel();
        reject(new Error(`${operation}: no progress from EventStoreDB within ${idleMs} ms`));
      }, idleMs);
    };
    arm();
    read.on('data', (item: A) => {
      items.push(item);
      arm();
    });
    read.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    read.on('end', () => {
      clearTimeout(timer);
      resolve(items);
    });
  });

type Next<A> = { readonly done: false; readonly value: A } | { readonly done: true };

/**
 * Buffers a subscription's events for an async generator, pausing the gRPC stream past `highWater` so a slow
 * consumer applies backpressure instead of growing memory.
 */
class Inbox<A> {
  private readonly items: A[] = [];
  private failure: { readonly error: unknown } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly highWater: number,
    private readonly source: { pause(): unknown; resume(): unknown; isPaused(): boolean },
  ) {}

  push(item: A): void {
    this.items.push(item);
    if (this.items.length >= this.highWater) this.source.pause();
    this.notify();
  }

  fail(error: unknown): void {
    if (this.failure === undefined && !this.ended) this.failure = { error };
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  async next(): Promise<Next<A>> {
    for (;;) {
      if (this.ended) return { done: true };
      const item = this.items.shift();
      if (item !== undefined) {
        if (this.items.length < this.highWater / 2 && this.source.isPaused()) this.source.resume();
        return { done: false, value: item };
      }
      if (this.failure !== undefined) throw this.failure.error;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
