import { utf8ToBytes } from '@noble/hashes/utils.js';

/** Accrue's UUID namespace for name-based (v5) event ids. */
const ACCRUE_NAMESPACE = '6d1f3c2e-7a4b-5c8d-9e0f-a1b2c3d4e5f6';

const uuidToBytes = (uuid: string): Uint8Array => {
  const hex = uuid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
};

const ACCRUE_NAMESPACE_BYTES = uuidToBytes(ACCRUE_NAMESPACE);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * SHA-1 (FIPS 180-4) of `namespace ‖ name` as UTF-8, for UUID v5 only: one call per event written, with short
 * input, so it is written out here over reusable buffers instead of going through a general streaming hash
 * (which cost several allocations per id). Returns the first 16 bytes of the digest in `DIGEST`.
 */
let message = new Uint8Array(128);
const W = new Int32Array(80);
const DIGEST = new Uint8Array(20);

const sha1Into = (namespace: Uint8Array, name: string): void => {
  // Message: the namespace, the name (ASCII written directly, anything else encoded), padding, bit length.
  let length = namespace.length;
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  const nameBytes = ascii ? undefined : utf8ToBytes(name);
  const byteLength = namespace.length + (nameBytes === undefined ? name.length : nameBytes.length);
  const blocks = Math.ceil((byteLength + 9) / 64);
  if (message.length < blocks * 64) message = new Uint8Array(blocks * 64);
  message.set(namespace, 0);
  if (nameBytes === undefined) for (let i = 0; i < name.length; i++) message[length++] = name.charCodeAt(i);
  else {
    message.set(nameBytes, length);
    length += nameBytes.length;
  }
  message[length] = 0x80;
  const bits = byteLength * 8;
  const end = blocks * 64;
  // Zeros up to the bit length (the buffer is reused: only the bytes this message does not write are cleared).
  message.fill(0, length + 1, end - 4);
  message[end - 4] = (bits >>> 24) & 0xff;
  message[end - 3] = (bits >>> 16) & 0xff;
  message[end - 2] = (bits >>> 8) & 0xff;
  message[end - 1] = bits & 0xff;
  // The length of a UUID name never reaches 2^29 bytes, so the high word of the bit length stays 0.

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < end; block += 64) {
    for (let t = 0; t < 16; t++) {
      const o = block + t * 4;
      W[t] =
        ((message[o] as number) << 24) |
        ((message[o + 1] as number) << 16) |
        ((message[o + 2] as number) << 8) |
        (message[o + 3] as number);
    }
    for (let t = 16; t < 80; t++) {
      const x = (W[t - 3] as number) ^ (W[t - 8] as number) ^ (W[t - 14] as number) ^ (W[t - 16] as number);
      W[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    // The four rounds of twenty steps, each its own loop: no branch per step on which round it is in.
    for (let t = 0; t < 20; t++) {
      const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + (W[t] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (let t = 20; t < 40; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + (W[t] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (let t = 40; t < 60; t++) {
      const temp =
        (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + (W[t] as number)) |
        0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (let t = 60; t < 80; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + (W[t] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  putWord(0, h0);
  putWord(4, h1);
  putWord(8, h2);
  putWord(12, h3);
  putWord(16, h4);
};

const putWord = (offset: number, word: number): void => {
  DIGEST[offset] = (word >>> 24) & 0xff;
  DIGEST[offset + 1] = (word >>> 16) & 0xff;
  DIGEST[offset + 2] = (word >>> 8) & 0xff;
  DIGEST[offset + 3] = word & 0xff;
};

/** RFC 9562 UUID version 5 (SHA-1, name-based) of `name` in `namespace`. */
export const uuidV5 = (name: string, namespace: string = ACCRUE_NAMESPACE): string => {
  sha1Into(namespace === ACCRUE_NAMESPACE ? ACCRUE_NAMESPACE_BYTES : uuidToBytes(namespace), name);
  DIGEST[6] = ((DIGEST[6] as number) & 0x0f) | 0x50;
  DIGEST[8] = ((DIGEST[8] as number) & 0x3f) | 0x80;
  let uuid = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) uuid += '-';
    uuid += HEX[DIGEST[i] as number] as string;
  }
  return uuid;
};

/**
 * The id of the `index`-th event a command appends to a stream. Derived from the command id, so a retried
 * command produces the same ids and stores that deduplicate by event id (EventStoreDB) agree with ours.
 */
export const deriveEventId = (commandId: string, streamName: string, index: number): string =>
  uuidV5(`${commandId}\u0000${streamName}\u0000${String(index)}`);
