import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { AppendResult, ExpectedVersion, VersionConflict } from '@accrue/domain';
import { versionConflict } from '@accrue/domain';

import { advisoryLockKey } from './advisoryLocks.js';
import type { AppendRequest } from './appendRequest.js';
import { BigIntFromString } from './codecs.js';
import type { Queryable } from './queryable.js';
import type { SchemaName } from './schemaName.js';

/** The channel `NOTIFY` uses after an append; the payload is the schema, so listeners ignore other schemas. */
export const commitChannel = 'accrue_events';

const ResultRow = t.strict({
  accepted: t.boolean,
  current_version: t.Int,
  next_version: t.Int,
  last_position: t.union([BigIntFromString, t.null]),
  duplicate_id: t.union([t.string, t.null]),
});

/**
 * Appends a batch of requests with one statement, the `append_events` function (migration 2), and says, per
 * request in order, whether it was written or refused with a `VersionConflict`. Requests for the same stream
 * see each other's effect in order, as if appended one after the other. The promise rejects with the driver's
 * error when the statement fails. Event ids must not repeat across the batch's requests (`splitBatch` makes
 * sure); if they did, the unique constraint would fail the statement rather than let both in.
 *
 * Sent outside a transaction, the statement is its own transaction: it commits (durably, with the events and
 * the NOTIFY) before the result arrives, in one round trip. Inside the caller's transaction it commits or rolls
 * back with it, and a statement error aborts that transaction.
 *
 * Why the advisory lock (taken inside the function): identity values are handed out when a row is inserted,
 * but become visible when its transaction commits. Two appenders allocating 5 and 6 could commit 6 first, and
 * a reader that saw 6 would never see 5: a projection following the log would skip an event for good. Taking
 * one transaction-scoped lock per schema before inserting makes allocation and commit happen in the same
 * order (the lock is released only when the transaction ends, after its rows are visible). It costs one
 * appender at a time per schema, which group commit amortises over many requests. Holding the lock also makes
 * the version check exact for writers that use it; the unique constraints still guard against any writer that
 * does not.
 */
export const appendWithin = async (
  client: Queryable,
  schema: SchemaName,
  requests: ReadonlyArray<AppendRequest>,
): Promise<ReadonlyArray<E.Either<VersionConflict, AppendResult>>> => {
  const result = await client.query(
    `SELECT accepted, current_version, next_version, last_position::text AS last_position, duplicate_id
     FROM "${schema}".append_events(${Array.from({ length: 15 }, (_, i) => `$${i + 1}`).join(', ')})`,
    toParameters(schema, requests),
  );
  if (result.rows.length !== requests.length) throw new Error('appendWithin: one result row per request');
  return requests.map((request, i): E.Either<VersionConflict, AppendResult> => {
    const decoded = ResultRow.decode(result.rows[i]);
    // The function is the only producer of these rows: a mismatch is a bug here, not bad data.
    if (E.isLeft(decoded)) throw new Error('appendWithin: unexpected result row');
    const row = decoded.right;
    if (row.accepted) {
      if (row.last_position === null) throw new Error('appendWithin: an accepted request has no position');
      return E.right({ nextExpectedVersion: row.next_version, lastPosition: row.last_position });
    }
    const cause =
      row.duplicate_id === null
        ? undefined
        : new Error(`event id ${JSON.stringify(row.duplicate_id)} is already stored`);
    return E.left(versionConflict(request.streamName, request.expected, row.current_version, cause));
  });
};

/**
 * The function's parameters: per-request arrays, then per-event arrays (column by column, so the statement
 * has fifteen parameters whatever the batch size). `req_prev` links each request to the previous one for the
 * same stream in this batch, which is how the function lets later requests see earlier ones.
 */
const toParameters = (schema: SchemaName, requests: ReadonlyArray<AppendRequest>): unknown[] => {
  const [lockPurpose, lockSchema] = advisoryLockKey('append', schema);
  const lastOfStream = new Map<string, number>();
  const req = {
    stream: [] as string[],
    expectedKind: [] as string[],
    expected: [] as (number | null)[],
    prev: [] as number[],
    first: [] as number[],
    count: [] as number[],
    selfDuplicate: [] as (string | null)[],
  };
  const ev = {
    req: [] as number[],
    id: [] as string[],
    type: [] as string[],
    data: [] as string[],
    meta: [] as string[],
  };
  requests.forEach((request, i) => {
    const index = i + 1; // PostgreSQL arrays are 1-based
    const [kind, version] = expectation(request.expected);
    req.stream.push(request.streamName);
    req.expectedKind.push(kind);
    req.expected.push(version);
    req.prev.push(lastOfStream.get(request.streamName) ?? 0);
    lastOfStream.set(request.streamName, index);
    req.first.push(ev.id.length + 1);
    req.count.push(request.events.length);
    req.selfDuplicate.push(repeatedId(request) ?? null);
    for (const event of request.events) {
      ev.req.push(index);
      ev.id.push(event.eventId);
      ev.type.push(event.type);
      ev.data.push(event.data);
      ev.meta.push(event.metadata);
    }
  });
  return [
    lockPurpose,
    lockSchema,
    commitChannel,
    req.stream,
    req.expectedKind,
    req.expected,
    req.prev,
    req.first,
    req.count,
    req.selfDuplicate,
    ev.req,
    ev.id,
    ev.type,
    ev.data,
    ev.meta,
  ];
};

/** `ExpectedVersion` as the function takes it; a number no stream can be at (1.5, 2**60) never holds. */
const expectation = (expected: ExpectedVersion): readonly [string, number | null] =>
  typeof expected === 'number'
    ? Number.isSafeInteger(expected)
      ? ['exact', expected]
      : ['never', null]
    : [expected, null];

/** The first event id a request carries twice (such a request is refused), if any. */
const repeatedId = (request: AppendRequest): string | undefined => {
  const seen = new Set<string>();
  for (const event of request.events) {
    if (seen.has(event.eventId)) return event.eventId;
    seen.add(event.eventId);
  }
  return undefined;
};
