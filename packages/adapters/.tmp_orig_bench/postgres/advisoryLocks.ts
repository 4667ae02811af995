import type { SchemaName } from './schemaName.js';

/**
 * Keys for `pg_advisory_xact_lock(int, int)`. The first key names the purpose, the second the schema, so two
 * schemas (tenants, test runs) never wait on each other and migrations never wait on appends. The hash is
 * computed here rather than with the server's undocumented `hashtext`, so the key is stable across server
 * versions. A collision between two schema names only serialises them; it cannot break correctness.
 */
type LockPurpose = 'migrate' | 'append';
const purposes: Readonly<Record<LockPurpose, number>> = { migrate: 0x41435201, append: 0x41435202 };

export const advisoryLockKey = (purpose: LockPurpose, schema: SchemaName): readonly [number, number] => [
  purposes[purpose],
  fnv1a32(schema),
];

// FNV-1a over UTF-16 code units, folded into a signed 32-bit integer (the `int` the lock function takes).
const fnv1a32 = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
};
