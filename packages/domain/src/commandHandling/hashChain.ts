import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

import type { JsonObject } from '../eventStore/port.js';
import { canonicalJson } from './canonicalJson.js';

/** What the hash covers: everything that makes the event what it is, and its predecessor's hash. */
export interface HashedContent {
  readonly streamName: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  /** The metadata without `hash` (it includes `prevHash`). */
  readonly metadata: JsonObject;
}

/**
 * Tamper evidence: SHA-256 over the canonical JSON of the event with its predecessor's hash inside the
 * metadata. Changing any stored byte of an event, reordering, removing or inserting events breaks the chain
 * from that event on; `verifyStreamChain` names the first event that does not match.
 */
/**
 * SHA-256 of a UTF-8 text, as lower-case hex. The default is a pure-JavaScript implementation (@noble/hashes)
 * so the domain needs nothing from its host; the server passes Node's native one, which is several times
 * faster on the write path. Both give the same digest.
 */
export type Sha256Hex = (text: string) => string;

export const sha256Hex: Sha256Hex = (text) => bytesToHex(sha256(utf8ToBytes(text)));

export const eventHash = (content: HashedContent, hash: Sha256Hex = sha256Hex): string =>
  eventHashOfCanonicalData(content, canonicalJson(content.data), hash);

/**
 * The same hash when the data's canonical JSON is already at hand (the command handler stores that text), so
 * the data is serialised once. The text assembled here is exactly `canonicalJson` of the whole content: keys
 * in sorted order (data, eventId, metadata, streamName, streamVersion, type).
 */
export const eventHashOfCanonicalData = (
  content: Omit<HashedContent, 'data'>,
  canonicalData: string,
  hash: Sha256Hex = sha256Hex,
): string => eventHashOfCanonicalParts(content, canonicalData, canonicalJson(content.metadata), hash);

/** The same hash again, when the metadata's canonical JSON (without `hash`) is at hand too. */
export const eventHashOfCanonicalParts = (
  content: Omit<HashedContent, 'data' | 'metadata'>,
  canonicalData: string,
  canonicalMetadata: string,
  hash: Sha256Hex = sha256Hex,
): string =>
  hash(
    `{"data":${canonicalData},"eventId":${canonicalJson(content.eventId)},"metadata":${canonicalMetadata},` +
      `"streamName":${canonicalJson(content.streamName)},"streamVersion":${canonicalJson(content.streamVersion)},` +
      `"type":${canonicalJson(content.type)}}`,
  );

export interface ChainBreak {
  readonly _tag: 'ChainBreak';
  readonly streamName: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_hash' | 'version_gap';
}

interface ChainEvent {
  readonly streamName: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

/** Checks one stream's events in order; returns the first break, or undefined if the chain holds. */
export const verifyStreamChain = (
  events: ReadonlyArray<ChainEvent>,
  hash: Sha256Hex = sha256Hex,
): ChainBreak | undefined => {
  let previous: string | null = null;
  let expectedVersion = 1;
  for (const event of events) {
    const fail = (reason: ChainBreak['reason']): ChainBreak => ({
      _tag: 'ChainBreak',
      streamName: event.streamName,
      streamVersion: event.streamVersion,
      eventId: event.eventId,
      reason,
    });
    if (event.streamVersion !== expectedVersion) return fail('version_gap');
    const { hash: stored, ...withoutHash } = event.metadata;
    if (typeof stored !== 'string') return fail('missing_hash');
    if ((withoutHash['prevHash'] ?? null) !== previous) return fail('prev_hash_mismatch');
    if (eventHash({ ...event, metadata: withoutHash }, hash) !== stored) return fail('hash_mismatch');
    previous = stored;
    expectedVersion += 1;
  }
  return undefined;
};
