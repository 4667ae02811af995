import * as t from 'io-ts';

/**
 * The metadata every stored event carries (stored format: additive changes only).
 * - `prevHash` is the `hash` of the previous event in the same stream (null for the first), and `hash` is the
 *   SHA-256 of this event's canonical content including `prevHash` (see `hashChain.ts`).
 * - `schemaVersion` is the version of the event's data schema when it was written; upcasters bring older data
 *   to the current shape when reading.
 */
export const EventMetadata = t.type(
  {
    eventId: t.string,
    tenantId: t.string,
    commandId: t.string,
    correlationId: t.string,
    causationId: t.string,
    actor: t.string,
    occurredAt: t.string,
    schemaVersion: t.number,
    prevHash: t.union([t.string, t.null]),
    hash: t.string,
  },
  'EventMetadata',
);
export type EventMetadata = t.TypeOf<typeof EventMetadata>;

/** Who asked, why, and when: supplied by the edge (HTTP, CLI, embedder) with every command. */
export interface CommandContext {
  readonly tenantId: string;
  /** Unique per intent; a retry with the same id returns the first result and appends nothing. */
  readonly commandId: string;
  /** Groups everything that follows from one request; defaults to the command id. */
  readonly correlationId?: string;
  /** The event or command that caused this one; defaults to the command id. */
  readonly causationId?: string;
  readonly actor: string;
  /** The time of the request, from the caller's clock. */
  readonly now: string;
}
