import { createHash } from 'node:crypto';

import type { JsonObject } from '@accrue/domain';

/**
 * EventStoreDB requires every event id to be a UUID, and hands it back as a lower-case string. Our event ids
 * are deterministic strings chosen by the command handler; most are UUIDs already, but the port does not
 * promise it. So:
 *
 * - a canonical lower-case UUID is stored as the EventStoreDB event id unchanged;
 * - any other id (including an upper-case UUID, which would come back lower-cased) is stored under a UUID
 *   derived from it (RFC 9562 version 5: SHA-1 over {@link ACCRUE_EVENT_ID_NAMESPACE} and the id's UTF-8
 *   bytes), and the original id is kept in the event's metadata under {@link ORIGINAL_EVENT_ID_KEY}.
 *
 * The derivation is deterministic, so a retried append carries the same EventStoreDB ids and the server's
 * idempotency check by event id still recognises it.
 */
export const ACCRUE_EVENT_ID_NAMESPACE = '5b0f3c9e-2d1a-4c8e-9f4b-6a7d2e1c0b93';

/**
 * Metadata key holding a caller's original event id when it is not a canonical UUID. Reserved: appending an
 * event whose own metadata already uses this key is a programmer error.
 */
export const ORIGINAL_EVENT_ID_KEY = 'accrueEventId';

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` survives a round trip through EventStoreDB unchanged. */
export const isCanonicalUuid = (id: string): boolean => canonicalUuid.test(id);

/** The deterministic version-5 UUID that stands in for a non-UUID event id. */
export const deriveEventUuid = (id: string): string => {
  const namespace = Buffer.from(ACCRUE_EVENT_ID_NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(id, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The EventStoreDB id and the metadata to store for one of our events. */
export const toStoredId = (
  eventId: string,
  metadata: JsonObject,
): { readonly id: string; readonly metadata: JsonObject } => {
  if (ORIGINAL_EVENT_ID_KEY in metadata) {
    throw new RangeError(`event metadata must not use the reserved key "${ORIGINAL_EVENT_ID_KEY}"`);
  }
  return isCanonicalUuid(eventId)
    ? { id: eventId, metadata }
    : { id: deriveEventUuid(eventId), metadata: { ...metadata, [ORIGINAL_EVENT_ID_KEY]: eventId } };
};

/**
 * Recovers our event id and metadata from a stored event. The original id is only trusted when the stored
 * UUID is the one derived from it, so a foreign event that happens to carry the key is left as it is.
 */
export const fromStoredId = (
  storedId: string,
  metadata: JsonObject,
): { readonly eventId: string; readonly metadata: JsonObject } => {
  const original = metadata[ORIGINAL_EVENT_ID_KEY];
  if (typeof original !== 'string' || deriveEventUuid(original) !== storedId) {
    return { eventId: storedId, metadata };
  }
  const { [ORIGINAL_EVENT_ID_KEY]: _original, ...rest } = metadata;
  return { eventId: original, metadata: rest };
};
