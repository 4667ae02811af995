import { createHash } from 'node:crypto';

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { deriveEventId, uuidV5 } from './eventIds.js';

/** RFC 9562 UUID v5 by Node's SHA-1: the reference the hand-written SHA-1 must match. */
const referenceUuidV5 = (name: string, namespace: string): string => {
  const digest = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const ACCRUE_NAMESPACE = '6d1f3c2e-7a4b-5c8d-9e0f-a1b2c3d4e5f6';
const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  it('matches the RFC 9562 example (www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('matches Node’s SHA-1 for names of every length around the block boundaries, ASCII or not', () => {
    // 16 namespace bytes + name: one block up to 39 bytes of name, two up to 103, three beyond.
    for (let length = 0; length <= 140; length++) {
      const ascii = 'x'.repeat(length);
      expect(uuidV5(ascii)).toBe(referenceUuidV5(ascii, ACCRUE_NAMESPACE));
      const wide = 'é'.repeat(length);
      expect(uuidV5(wide)).toBe(referenceUuidV5(wide, ACCRUE_NAMESPACE));
    }
  });

  it('matches Node’s SHA-1 for any name, in turn, with the buffers reused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { minLength: 1, maxLength: 5 }),
        (names) => {
          for (const name of names) {
            expect(uuidV5(name)).toBe(referenceUuidV5(name, ACCRUE_NAMESPACE));
            expect(uuidV5(name, DNS_NAMESPACE)).toBe(referenceUuidV5(name, DNS_NAMESPACE));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('derives event ids from the command id, the stream and the index', () => {
    expect(deriveEventId('cmd-1', 'invoice-t1/inv-1', 0)).toBe(
      referenceUuidV5('cmd-1\u0000invoice-t1/inv-1\u00000', ACCRUE_NAMESPACE),
    );
  });
});
