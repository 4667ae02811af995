import * as E from 'fp-ts/lib/Either.js';

import type { CorruptEvent, JsonObject, RecordedEvent } from '@accrue/domain';
import { corruptEvent } from '@accrue/domain';

/** An `events` row as better-sqlite3 returns it with safe integers on. */
export interface EventRow {
  readonly global_position: bigint;
  readonly stream_name: string;
  readonly stream_version: bigint;
  readonly event_id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export const EVENT_COLUMNS = 'global_position, stream_name, stream_version, event_id, type, data, metadata';

const parseObject = (text: string): JsonObject | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
};

/** Decodes a stored row; a row whose JSON is damaged is reported, never guessed at. */
export const decodeEventRow = (row: EventRow): E.Either<CorruptEvent, RecordedEvent> => {
  const data = parseObject(row.data);
  const metadata = parseObject(row.metadata);
  if (data === undefined || metadata === undefined) {
    return E.left(
      corruptEvent(
        `the ${data === undefined ? 'data' : 'metadata'} of event ${row.event_id} is not a JSON object`,
        {
          streamName: row.stream_name,
          globalPosition: row.global_position,
        },
      ),
    );
  }
  return E.right({
    streamName: row.stream_name,
    streamVersion: Number(row.stream_version),
    globalPosition: row.global_position,
    eventId: row.event_id,
    type: row.type,
    data,
    metadata,
  });
};

export const decodeEventRows = (rows: ReadonlyArray<EventRow>): E.Either<CorruptEvent, RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    const decoded = decodeEventRow(row);
    if (E.isLeft(decoded)) return decoded;
    events.push(decoded.right);
  }
  return E.right(events);
};
