import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

import * as E from 'fp-ts/lib/Either.js';

/** Tenant ids as the domain accepts them. */
const TENANT = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface ApiKeyRing {
  /** The tenant a bearer key belongs to, compared in constant time; undefined for an unknown key. */
  readonly tenantOf: (key: string) => string | undefined;
  readonly tenants: ReadonlyArray<string>;
  /** Set when no keys were configured and a development key was made for tenant `dev`. */
  readonly generatedDevelopmentKey: string | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * `ACCRUE_API_KEYS="tenantA:keyA,tenantB:keyB"` or, for secrets kept out of the environment,
 * `ACCRUE_API_KEYS_FILE` naming a file with one `tenant:key` per line (`#` comments allowed). With neither, one
 * development key is generated for tenant `dev` (the server prints it once at start and says so).
 */
export const loadApiKeys = (env: NodeJS.ProcessEnv): E.Either<string, ApiKeyRing> => {
  let source: string | undefined = env['ACCRUE_API_KEYS'];
  const file = env['ACCRUE_API_KEYS_FILE'];
  if (file !== undefined && file !== '') {
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      return E.left(
        `ACCRUE_API_KEYS_FILE: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const entries = (source ?? '')
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  let generated: string | undefined;
  if (entries.length === 0) {
    generated = `dev_${randomBytes(24).toString('base64url')}`;
    entries.push(`dev:${generated}`);
  }
  const pairs: Array<{ tenant: string; key: Buffer }> = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const tenant = entry.slice(0, colon);
    const key = entry.slice(colon + 1);
    if (colon <= 0 || !TENANT.test(tenant))
      return E.left(`API keys: "${tenant}" is not a valid tenant id (entry ${String(pairs.length + 1)})`);
    if (key.length < 16) return E.left(`API keys: the key of tenant ${tenant} is shorter than 16 characters`);
    pairs.push({ tenant, key: digest(key) });
  }
  return E.right({
    // Comparing fixed-length digests with timingSafeEqual, and visiting every entry, keeps the time the same
    // whichever key (or none) matches.
    tenantOf: (key) => {
      const candidate = digest(key);
      let found: string | undefined;
      for (const pair of pairs)
        if (timingSafeEqual(pair.key, candidate) && found === undefined) found = pair.tenant;
      return found;
    },
    tenants: [...new Set(pairs.map((pair) => pair.tenant))],
    generatedDevelopmentKey: generated,
  });
};
