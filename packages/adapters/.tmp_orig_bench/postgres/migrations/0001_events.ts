import type { Migration } from './migration.js';

/**
 * The event log.
 * - `global_position` is an identity column allocated under the append advisory lock (see `appendWithin`),
 *   so positions commit in increasing order; `GENERATED ALWAYS` stops a hand-written insert from choosing one.
 * - `data` and `metadata` are `text` holding the exact JSON the writer produced, not `jsonb`: `jsonb` rejects
 *   `\u0000` in strings and normalises key order and number spelling, which would break the hash chain that
 *   is computed over the text.
 * - The two unique constraints are the optimistic-concurrency backstop: a second writer of a stream version
 *   or an event id fails here even if it bypassed the store.
 */
export const migration0001Events: Migration = {
  version: 1,
  name: 'events',
  up: (schema) => `
    CREATE TABLE "${schema}".events (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stream_name text NOT NULL,
      stream_version integer NOT NULL CHECK (stream_version > 0),
      event_id text NOT NULL,
      type text NOT NULL,
      data text NOT NULL,
      metadata text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_version_key UNIQUE (stream_name, stream_version),
      CONSTRAINT events_event_id_key UNIQUE (event_id)
    );
  `,
};
