import type { Migration } from './migration.js';

/**
 * `append_events`: one group-commit batch in one statement (see `appendWithin`, which is its only caller).
 *
 * Why a server-side function: the batch used to take six round trips (BEGIN, lock, read state, INSERT,
 * NOTIFY, COMMIT), each a socket write and a wake-up of the backend, and the append lock was held across all
 * of them. As one statement sent outside an explicit transaction it is one round trip, and its implicit
 * transaction commits as the statement ends, so the lock is held for the server's work plus the WAL flush
 * only. Inside a caller's transaction (`appendInTransaction`) it behaves as before: the lock is held until
 * that transaction ends.
 *
 * The rules are those `appendWithin` used to apply in TypeScript:
 * - the advisory lock is taken first; the state is then read by statements of their own, which in READ
 *   COMMITTED take a fresh snapshot (this is a VOLATILE function) that sees every append committed before the
 *   lock was granted;
 * - requests are decided in order; a request sees the versions left by earlier requests of the batch for the
 *   same stream (`req_prev` points at the previous one, computed by the caller);
 * - a request is refused when its expectation does not hold or when one of its ids is stored already (or
 *   repeated within it: `req_self_dup`); ids repeated across requests never reach one call (the caller puts
 *   them in separate batches) and would hit `events_event_id_key` if they did;
 * - accepted events are inserted with one INSERT, in array order, so positions follow versions;
 * - NOTIFY is queued only if something was inserted; PostgreSQL delivers it at commit.
 *
 * Returns one row per request, in order: whether it was accepted, the stream's version before and after it,
 * its last event's position (the head of the log for an empty request), and the id that made it a duplicate.
 */
export const migration0002AppendFunction: Migration = {
  version: 2,
  name: 'append_function',
  up: (schema) => `
    CREATE FUNCTION "${schema}".append_events(
      lock_purpose integer,
      lock_schema integer,
      notify_channel text,
      req_stream text[],
      req_expected_kind text[],
      req_expected bigint[],
      req_prev integer[],
      req_first integer[],
      req_count integer[],
      req_self_dup text[],
      ev_req integer[],
      ev_id text[],
      ev_type text[],
      ev_data text[],
      ev_metadata text[]
    ) RETURNS TABLE (
      accepted boolean,
      current_version integer,
      next_version integer,
      last_position bigint,
      duplicate_id text
    )
    LANGUAGE plpgsql VOLATILE
    AS $fn$
    DECLARE
      n integer := coalesce(array_length(req_stream, 1), 0);
      stored integer[];
      taken text[];
      head bigint := 0;
      cur integer[];
      nxt integer[];
      ok boolean[];
      dup text[];
      last bigint[];
      found_dup text;
      inserting boolean := false;
      r record;
    BEGIN
      PERFORM pg_catalog.pg_advisory_xact_lock(lock_purpose, lock_schema);

      SELECT pg_catalog.array_agg(coalesce(e.v, 0) ORDER BY q.i) INTO stored
        FROM unnest(req_stream) WITH ORDINALITY AS q(name, i)
        LEFT JOIN LATERAL (
          SELECT stream_version AS v FROM "${schema}".events
          WHERE stream_name = q.name ORDER BY stream_version DESC LIMIT 1
        ) AS e ON true;
      SELECT pg_catalog.array_agg(event_id) INTO taken FROM "${schema}".events WHERE event_id = ANY (ev_id);
      IF array_position(req_count, 0) IS NOT NULL THEN
        SELECT coalesce(max(global_position), 0) INTO head FROM "${schema}".events;
      END IF;

      FOR i IN 1 .. n LOOP
        cur[i] := CASE WHEN req_prev[i] > 0 THEN nxt[req_prev[i]] ELSE stored[i] END;
        nxt[i] := cur[i];
        ok[i] := CASE req_expected_kind[i]
          WHEN 'any' THEN true
          WHEN 'no_stream' THEN cur[i] = 0
          WHEN 'stream_exists' THEN cur[i] > 0
          WHEN 'exact' THEN cur[i] = req_expected[i]
          ELSE false
        END;
        IF ok[i] THEN
          found_dup := req_self_dup[i];
          IF found_dup IS NULL AND taken IS NOT NULL THEN
            SELECT x INTO found_dup
              FROM unnest(ev_id[req_first[i] : req_first[i] + req_count[i] - 1]) AS x
              WHERE x = ANY (taken) LIMIT 1;
          END IF;
          IF found_dup IS NOT NULL THEN
            ok[i] := false;
            dup[i] := found_dup;
          ELSE
            nxt[i] := cur[i] + req_count[i];
            inserting := inserting OR req_count[i] > 0;
          END IF;
        END IF;
      END LOOP;

      IF inserting THEN
        FOR r IN
          WITH src AS (
            SELECT u.k, u.ord, req_stream[u.k] AS stream_name,
                   cur[u.k] + (u.ord - req_first[u.k] + 1)::integer AS stream_version,
                   u.id, u.typ, u.dat, u.meta
            FROM unnest(ev_req, ev_id, ev_type, ev_data, ev_metadata)
              WITH ORDINALITY AS u(k, id, typ, dat, meta, ord)
            WHERE ok[u.k]
          ), ins AS (
            INSERT INTO "${schema}".events (stream_name, stream_version, event_id, type, data, metadata)
            SELECT stream_name, stream_version, id, typ, dat, meta FROM src ORDER BY ord
            RETURNING event_id, global_position
          )
          SELECT src.k, max(ins.global_position) AS pos
          FROM ins JOIN src ON src.id = ins.event_id
          GROUP BY src.k
        LOOP
          last[r.k] := r.pos;
        END LOOP;
        PERFORM pg_catalog.pg_notify(notify_channel, '${schema}');
      END IF;

      RETURN QUERY
        SELECT ok[i], cur[i], nxt[i], CASE WHEN ok[i] THEN coalesce(last[i], head) END, dup[i]
        FROM generate_series(1, n) AS i ORDER BY i;
    END;
    $fn$;
  `,
};
