import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import type { EventStore, JsonObject, NewEvent, ReadError, RecordedEvent } from '../eventStore/port.js';
import { checkChainLink } from './verifyLog.js';

/**
 * One line of an exported log (NDJSON): the event as stored, without the store's own global position, so a
 * log moves between SQLite, PostgreSQL and EventStoreDB unchanged (ids, data, metadata and hashes intact).
 */
export const ExportedEvent = t.strict(
  {
    stream: t.string,
    version: t.Int,
    eventId: t.string,
    type: t.string,
    data: t.UnknownRecord,
    metadata: t.UnknownRecord,
  },
  'ExportedEvent',
);
export type ExportedEvent = t.TypeOf<typeof ExportedEvent>;

export const toExportLine = (event: RecordedEvent): string =>
  JSON.stringify({
    stream: event.streamName,
    version: event.streamVersion,
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  });

/**
 * Every event of the log in global order as export lines, batch by batch (memory stays flat however long the
 * log is). A read failure is yielded as a `Left` and ends the export.
 */
export async function* exportLog(
  store: EventStore,
  batchSize = 1000,
): AsyncGenerator<E.Either<ReadError, string>, void, undefined> {
  let after: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: batchSize })();
    if (E.isLeft(batch)) {
      yield batch;
      return;
    }
    for (const event of batch.right.events) yield E.right(toExportLine(event));
    if (batch.right.events.length < batchSize) return;
    after = batch.right.lastPosition;
  }
}

export interface ImportRefused {
  readonly _tag: 'ImportRefused';
  /** 1-based line number of the first bad line (0 when the refusal is about the target store). */
  readonly line: number;
  readonly reason: string;
}

export interface ImportSummary {
  readonly events: number;
  readonly streams: number;
}

/**
 * Checks a whole exported log before anything is written: every line must parse, have the shape of an
 * exported event, continue its stream's version sequence and hash chain. Returns the events grouped in log
 * order, or the first bad line.
 */
export const validateLog = (
  lines: Iterable<string>,
): E.Either<ImportRefused, ReadonlyArray<ExportedEvent>> => {
  const chains = new Map<string, { version: number; hash: string | null }>();
  const events: ExportedEvent[] = [];
  let lineNumber = 0;
  for (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      return E.left({
        _tag: 'ImportRefused',
        line: lineNumber,
        reason: `not JSON: ${error instanceof Error ? error.message : 'parse error'}`,
      });
    }
    const decoded = ExportedEvent.decode(parsed);
    if (E.isLeft(decoded)) {
      return E.left({
        _tag: 'ImportRefused',
        line: lineNumber,
        reason: `not an exported event: ${PathReporter.report(decoded).join('; ')}`,
      });
    }
    const event = decoded.right;
    const previous = chains.get(event.stream) ?? { version: 0, hash: null };
    const reason = checkChainLink(
      {
        streamName: event.stream,
        streamVersion: event.version,
        eventId: event.eventId,
        type: event.type,
        data: event.data as JsonObject,
        metadata: event.metadata as JsonObject,
      },
      previous,
    );
    if (reason !== undefined) {
      return E.left({
        _tag: 'ImportRefused',
        line: lineNumber,
        reason: `stream ${event.stream} version ${event.version}: ${reason}`,
      });
    }
    chains.set(event.stream, { version: event.version, hash: hashOf(event.metadata) });
    events.push(event);
  }
  return E.right(events);
};

/**
 * Writes a validated log into a store whose streams are all still empty, keeping global order: consecutive
 * events of one stream are appended together, each append expecting the version before it.
 */
export const importLog = async (
  store: EventStore,
  events: ReadonlyArray<ExportedEvent>,
): Promise<E.Either<ImportRefused | ReadError | { readonly _tag: 'VersionConflict' }, ImportSummary>> => {
  const streams = [...new Set(events.map((event) => event.stream))];
  for (const stream of streams) {
    const existing = await store.readStream(stream, { maxCount: 1 })();
    if (E.isLeft(existing)) return existing;
    if (existing.right.length > 0) {
      return E.left({
        _tag: 'ImportRefused',
        line: 0,
        reason: `the target store already has stream ${stream}`,
      });
    }
  }
  let index = 0;
  while (index < events.length) {
    const first = events[index];
    if (first === undefined) break;
    const run: ExportedEvent[] = [];
    while (index < events.length && events[index]?.stream === first.stream) {
      const next = events[index];
      if (next !== undefined) run.push(next);
      index += 1;
    }
    const toAppend: NewEvent[] = run.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      data: event.data as JsonObject,
      metadata: event.metadata as JsonObject,
    }));
    const expected = first.version - 1;
    const appended = await store.appendToStream(
      first.stream,
      expected === 0 ? 'no_stream' : expected,
      toAppend,
    )();
    if (E.isLeft(appended))
      return E.left(appended.left._tag === 'VersionConflict' ? { _tag: 'VersionConflict' } : appended.left);
  }
  return E.right({ events: events.length, streams: streams.length });
};

const hashOf = (metadata: { readonly [key: string]: unknown }): string | null => {
  const hash = metadata['hash'];
  return typeof hash === 'string' ? hash : null;
};
