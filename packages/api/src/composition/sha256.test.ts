import { createHash } from 'node:crypto';

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { sha256Hex } from '@accrue/domain';

import { nativeSha256 } from './sha256.js';

describe('nativeSha256', () => {
  it('gives the digest of the domain’s pure SHA-256 and of a streaming Node hash, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (text) => {
        expect(nativeSha256(text)).toBe(sha256Hex(text));
        expect(nativeSha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes the empty text as SHA-256 does', () => {
    expect(nativeSha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
