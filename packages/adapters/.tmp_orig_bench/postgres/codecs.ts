import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';

import type { CorruptEvent, JsonObject, RecordedEvent } from '@accrue/domain';
import { corruptEvent } from '@accrue/domain';

/** A `bigint` column: `pg` hands `int8` over as a decimal string so no precision is lost; so do we. */
export const BigIntFromString = new t.Type<bigint, string, unknown>(
  'BigIntFromString',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => (typeof u === 'string' && /^-?\d+$/.test(u) ? t.success(BigInt(u)) : t.failure(u, c)),
  (b) => b.toString(),
);

const isJsonObject = (u: unknown): u is JsonObject =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * A `text` column holding a JSON object. `JSON.parse` can only produce JSON values, so checking the top level
 * is an object is the whole validation; encoding is `JSON.stringify`, whose exact output is what is stored.
 */
export const JsonObjectFromString = new t.Type<JsonObject, string, unknown>(
  'JsonObjectFromString',
  isJsonObject,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'not a string');
    let parsed: unknown;
    try {
      parsed = JSON.parse(u);
    } catch (error) {
      return t.failure(u, c, error instanceof Error ? error.message : 'invalid JSON');
    }
    return isJsonObject(parsed) ? t.success(parsed) : t.failure(u, c, 'JSON is not an object');
  },
  (o) => JSON.stringify(o),
);

/** A row of `events` as selected by the read modules, before its JSON columns are parsed. */
export const EventRow = t.strict({
  global_position: BigIntFromString,
  stream_name: t.string,
  stream_version: t.Int,
  event_id: t.string,
  type: t.string,
  data: t.string,
  metadata: t.string,
});
export type EventRow = t.TypeOf<typeof EventRow>;

/** The column list every read selects, in the shape `EventRow` decodes. */
export const eventColumns = 'global_position, stream_name, stream_version, event_id, type, data, metadata';

/**
 * Decodes one selected row. A row that does not have the expected shape, or whose `data`/`metadata` is not a
 * JSON object, is a `CorruptEvent` naming the stream and position where they are readable, so an operator can
 * find it.
 */
export const decodeEventRow = (row: unknown): E.Either<CorruptEvent, RecordedEvent> =>
  pipe(
    EventRow.decode(row),
    E.mapLeft((errors) =>
      corruptEvent(`row does not match the events table: ${describe(errors)}`, whereOf(row)),
    ),
    E.flatMap((r) => {
      const where = { streamName: r.stream_name, globalPosition: r.global_position };
      const data = JsonObjectFromString.decode(r.data);
      if (E.isLeft(data))
        return E.left(corruptEvent(`data is not a JSON object: ${describe(data.left)}`, where));
      const metadata = JsonObjectFromString.decode(r.metadata);
      if (E.isLeft(metadata))
        return E.left(corruptEvent(`metadata is not a JSON object: ${describe(metadata.left)}`, where));
      return E.right({
        streamName: r.stream_name,
        streamVersion: r.stream_version,
        globalPosition: r.global_position,
        eventId: r.event_id,
        type: r.type,
        data: data.right,
        metadata: metadata.right,
      });
    }),
  );

/** Decodes rows in order, stopping at the first corrupt one (a reader must not skip an event silently). */
export const decodeEventRows = (
  rows: ReadonlyArray<unknown>,
): E.Either<CorruptEvent, ReadonlyArray<RecordedEvent>> => {
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    const decoded = decodeEventRow(row);
    if (E.isLeft(decoded)) return decoded;
    events.push(decoded.right);
  }
  return E.right(events);
};

const PartialWhere = t.partial({ stream_name: t.string, global_position: BigIntFromString });

const whereOf = (row: unknown): { streamName?: string; globalPosition?: bigint } => {
  const decoded = PartialWhere.decode(row);
  if (E.isLeft(decoded)) return {};
  const { stream_name: streamName, global_position: globalPosition } = decoded.right;
  return {
    ...(streamName === undefined ? {} : { streamName }),
    ...(globalPosition === undefined ? {} : { globalPosition }),
  };
};

const describe = (errors: t.Errors): string =>
  errors
    .map(
      (error) =>
        error.message ??
        error.context
          .map((entry) => entry.key)
          .filter((key) => key !== '')
          .join('.'),
    )
    .join('; ');
