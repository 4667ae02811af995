import { hash } from 'node:crypto';

import type { Sha256Hex } from '@accrue/domain';

/**
 * Node's native SHA-256 for the hash chain: the same digest as the domain's pure default, much faster. The
 * one-shot `crypto.hash` (Node ≥ 20.12) skips the `Hash` object `createHash` builds for every event; the text is
 * hashed as UTF-8 either way.
 */
export const nativeSha256: Sha256Hex = (text) => hash('sha256', text, 'hex');
