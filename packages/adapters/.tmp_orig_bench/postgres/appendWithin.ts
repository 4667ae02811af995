import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { AppendResult, VersionConflict } from '@accrue/domain';
import { versionConflict } from '@accrue/domain';

import { expectedVersionHolds } from '../shared/expectedVersion.js';
import { advisoryLockKey } from './advisoryLocks.js';
import type { AppendRequest } from './appendRequest.js';
import { BigIntFromString } from './codecs.js';
import type { Queryable } from './queryable.js';
import { readAppendState } from './readAppendState.js';
import type { SchemaName } from './schemaName.js';
import { qualified } from './schemaName.js';

/** The channel `NOTIFY` uses after an append; the payload is the schema, so listeners ignore other schemas. */
export const commitChannel = 'accrue_events';

const InsertedRow = t.strict({ event_id: t.string, global_position: BigIntFromString });

/**
 * Appends a batch of requests inside the caller's open transaction on `client` (no BEGIN/COMMIT here), and
 * says, per request in order, whether it was written or refused with a `VersionConflict`. Requests for the same
 * stream see each other's effect in order, as if appended one after the other. The promise rejects with the
 * driver's error when a statement fails; the transaction is then aborted and the caller must roll back.
 *
 * Why the advisory lock: identity values are handed out when a row is inserted, but become visible when its
 * transaction commits. Two appenders allocating 5 and 6 could commit 6 first, and a reader that saw 6 would
 * never see 5: a projection following the log would skip an event for good. Taking one transaction-scoped lock
 * per schema before inserting makes allocation and commit happen in the same order (the lock is released only
 * when the transaction ends, after its rows are visible). It costs one appender at a time per schema, which
 * group commit amortises over many requests. Holding the lock also makes the version check below exact for
 * writers that use it; the unique constraints still guard against any writer that does not.
 */
export const appendWithin = async (
  client: Queryable,
  schema: SchemaName,
  requests: ReadonlyArray<AppendRequest>,
): Promise<ReadonlyArray<E.Either<VersionConflict, AppendResult>>> => {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...advisoryLockKey('append', schema)]);
  const streamNames = [...new Set(requests.map((r) => r.streamName))];
  const eventIds = requests.flatMap((r) => r.events.map((e) => e.eventId));
  const state = await readAppendState(client, schema, streamNames, eventIds);

  const versions = new Map(state.versions);
  const takenIds = new Set(state.existingEventIds);
  type Planned =
    | { readonly _tag: 'refused'; readonly conflict: VersionConflict }
    | { readonly _tag: 'accepted'; readonly version: number; readonly lastEventId: string | undefined };
  const plan: Planned[] = [];
  const rows: Columns = { streamName: [], streamVersion: [], eventId: [], type: [], data: [], metadata: [] };
  for (const request of requests) {
    const current = versions.get(request.streamName) ?? 0;
    if (!expectedVersionHolds(request.expected, current)) {
      plan.push({
        _tag: 'refused',
        conflict: versionConflict(request.streamName, request.expected, current),
      });
      continue;
    }
    const duplicate = firstDuplicate(request, takenIds);
    if (duplicate !== undefined) {
      plan.push({
        _tag: 'refused',
        conflict: versionConflict(
          request.streamName,
          request.expected,
          current,
          new Error(`event id ${JSON.stringify(duplicate)} is already stored`),
        ),
      });
      continue;
    }
    request.events.forEach((event, i) => {
      takenIds.add(event.eventId);
      rows.streamName.push(request.streamName);
      rows.streamVersion.push(current + i + 1);
      rows.eventId.push(event.eventId);
      rows.type.push(event.type);
      rows.data.push(event.data);
      rows.metadata.push(event.metadata);
    });
    const version = current + request.events.length;
    versions.set(request.streamName, version);
    plan.push({ _tag: 'accepted', version, lastEventId: request.events.at(-1)?.eventId });
  }

  const positions = new Map<string, bigint>();
  if (rows.eventId.length > 0) {
    // One statement for the whole batch; arrays keep it to six parameters whatever the row count. ORDER BY ord
    // makes identity values follow array order, so within a batch positions follow stream versions too.
    const inserted = await client.query(
      `INSERT INTO ${qualified(schema, 'events')} (stream_name, stream_version, event_id, type, data, metadata)
       SELECT stream_name, stream_version, event_id, type, data, metadata
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS u(stream_name, stream_version, event_id, type, data, metadata, ord)
       ORDER BY ord
       RETURNING event_id, global_position::text AS global_position`,
      [rows.streamName, rows.streamVersion, rows.eventId, rows.type, rows.data, rows.metadata],
    );
    for (const row of inserted.rows) {
      const decoded = InsertedRow.decode(row);
      if (E.isLeft(decoded)) throw new Error('appendWithin: unexpected RETURNING row');
      positions.set(decoded.right.event_id, decoded.right.global_position);
    }
    // Delivered only if and when this transaction commits; followers in other processes wake on it.
    await client.query('SELECT pg_notify($1, $2)', [commitChannel, schema]);
  }

  return plan.map((planned) => {
    if (planned._tag === 'refused') return E.left(planned.conflict);
    const lastPosition = planned.lastEventId === undefined ? state.head : positions.get(planned.lastEventId);
    if (lastPosition === undefined) throw new Error('appendWithin: an inserted event has no position');
    return E.right({ nextExpectedVersion: planned.version, lastPosition });
  });
};

/** The accepted rows column by column, as `unnest` takes them. */
interface Columns {
  readonly streamName: string[];
  readonly streamVersion: number[];
  readonly eventId: string[];
  readonly type: string[];
  readonly data: string[];
  readonly metadata: string[];
}

const firstDuplicate = (request: AppendRequest, taken: ReadonlySet<string>): string | undefined => {
  const own = new Set<string>();
  for (const event of request.events) {
    if (taken.has(event.eventId) || own.has(event.eventId)) return event.eventId;
    own.add(event.eventId);
  }
  return undefined;
};
