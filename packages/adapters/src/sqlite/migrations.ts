/**
 * Numbered schema migrations, applied in order at open; each runs once, recorded in `schema_migrations`.
 * Never edit a released migration: add the next number.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: 'events',
    // Data and metadata are stored as the exact JSON text written, so hash chains verify byte for byte.
    sql: `
      CREATE TABLE events (
        global_position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_name     TEXT    NOT NULL,
        stream_version  INTEGER NOT NULL,
        event_id        TEXT    NOT NULL UNIQUE,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        recorded_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (stream_name, stream_version)
      );
    `,
  },
];
