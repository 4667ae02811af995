import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { BigIntFromString } from './codecs.js';
import type { Queryable } from './queryable.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

/** What an append batch checks its requests against. */
export interface AppendState {
  /** Current version of each stream that has events (absent streams are missing: version 0). */
  readonly versions: ReadonlyMap<string, number>;
  /** Those of the batch's event ids that are already stored. */
  readonly existingEventIds: ReadonlySet<string>;
  /** The highest committed position (0 for an empty log). */
  readonly head: bigint;
}

const AppendStateRow = t.union([
  t.strict({ kind: t.literal('version'), key: t.string, value: BigIntFromString }),
  t.strict({ kind: t.literal('event_id'), key: t.string, value: t.null }),
  t.strict({ kind: t.literal('head'), key: t.null, value: t.union([BigIntFromString, t.null]) }),
]);

/**
 * Reads, in one round trip, the versions of the batch's streams, which of its event ids exist, and the head
 * of the log. Must run after the append lock is taken and as its own statement: in READ COMMITTED each
 * statement takes a fresh snapshot, so only a statement that starts after the lock sees every earlier commit.
 */
export const readAppendState = async (
  client: Queryable,
  schema: SchemaName,
  streamNames: ReadonlyArray<string>,
  eventIds: ReadonlyArray<string>,
): Promise<AppendState> => {
  const events = qualified(schema, 'events');
  // The lateral probe reads one index entry per stream (its highest version) instead of all its rows.
  const result = await client.query(
    `SELECT 'version' AS kind, s.name AS key, e.stream_version::bigint::text AS value
       FROM unnest($1::text[]) AS s(name)
       CROSS JOIN LATERAL (
         SELECT stream_version FROM ${events} WHERE stream_name = s.name ORDER BY stream_version DESC LIMIT 1
       ) AS e
     UNION ALL
     SELECT 'event_id', event_id, NULL FROM ${events} WHERE event_id = ANY($2::text[])
     UNION ALL
     SELECT 'head', NULL, max(global_position)::text FROM ${events}`,
    [streamNames, eventIds],
  );
  const versions = new Map<string, number>();
  const existingEventIds = new Set<string>();
  let head = 0n;
  for (const row of result.rows) {
    const decoded = AppendStateRow.decode(row);
    // The query above is the only producer of these rows: a mismatch is a bug here, not bad data.
    if (E.isLeft(decoded)) throw new Error('readAppendState: unexpected row shape');
    const r = decoded.right;
    if (r.kind === 'version') versions.set(r.key, Number(r.value));
    else if (r.kind === 'event_id') existingEventIds.add(r.key);
    else head = r.value ?? 0n;
  }
  return { versions, existingEventIds, head };
};
