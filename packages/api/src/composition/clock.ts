/** The clock of the process: the only place the edge reads time for commands. */
export interface Clock {
  /** The current time as an ISO 8601 timestamp with an offset, e.g. `2026-03-01T09:30:00.000Z`. */
  readonly now: () => string;
}

/** Fresh ids for new invoices, payments and commands. */
export interface IdGenerator {
  /** A new identifier (letters, digits and `_ . : -`; a UUID by default). */
  readonly next: () => string;
}
