import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Accrue's UUID namespace for name-based (v5) event ids. */
const ACCRUE_NAMESPACE = '6d1f3c2e-7a4b-5c8d-9e0f-a1b2c3d4e5f6';

const uuidToBytes = (uuid: string): Uint8Array => {
  const hex = uuid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
};

/** RFC 9562 UUID version 5 (SHA-1, name-based) of `name` in `namespace`. */
const ACCRUE_NAMESPACE_BYTES = uuidToBytes(ACCRUE_NAMESPACE);

export const uuidV5 = (name: string, namespace: string = ACCRUE_NAMESPACE): string => {
  const nameBytes = utf8ToBytes(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(namespace === ACCRUE_NAMESPACE ? ACCRUE_NAMESPACE_BYTES : uuidToBytes(namespace), 0);
  input.set(nameBytes, 16);
  const bytes = sha1(input).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytesToHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * The id of the `index`-th event a command appends to a stream. Derived from the command id, so a retried
 * command produces the same ids and stores that deduplicate by event id (EventStoreDB) agree with ours.
 */
export const deriveEventId = (commandId: string, streamName: string, index: number): string =>
  uuidV5(`${commandId}\u0000${streamName}\u0000${String(index)}`);
