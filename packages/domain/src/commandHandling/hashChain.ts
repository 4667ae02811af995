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
export const eventHash = (content: HashedContent): string =>
  bytesToHex(
    sha256(
      utf8ToBytes(
        canonicalJson({
          streamName: content.streamName,
          streamVersion: content.streamVersion,
          eventId: content.eventId,
          type: content.type,
          data: content.data,
          metadata: content.metadata,
        }),
      ),
    ),
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
export const verifyStreamChain = (events: ReadonlyArray<ChainEvent>): ChainBreak | undefined => {
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
    const { hash, ...withoutHash } = event.metadata;
    if (typeof hash !== 'string') return fail('missing_hash');
    if ((withoutHash['prevHash'] ?? null) !== previous) return fail('prev_hash_mismatch');
    if (eventHash({ ...event, metadata: withoutHash }) !== hash) return fail('hash_mismatch');
    previous = hash;
    expectedVersion += 1;
  }
  return undefined;
};
