/**
 * Physical names of read-model tables, shared by the SQLite and PostgreSQL stores. Names come from projection
 * definitions (never from users) and are checked before they are spliced into SQL; a bad one throws, as a
 * programmer bug.
 */

// PostgreSQL truncates longer identifiers silently, which would make two tables share a name.
const MAX_IDENTIFIER_BYTES = 63;

export const identifier = (text: string): string => {
  if (!/^[a-z][a-z0-9_]*$/.test(text) || Buffer.byteLength(text) > MAX_IDENTIFIER_BYTES)
    throw new Error(`invalid read-model identifier: ${text}`);
  return text;
};

const part = (kind: string, text: string): string => {
  const snake = text.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  // `__` separates the projection from the table, so neither part may contain it (or end with `_`), or
  // projection `a` table `b__c` and projection `a__b` table `c` would share a physical table.
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(snake))
    throw new Error(`invalid read-model ${kind} name: ${text} (letters, digits, single underscores)`);
  return snake;
};

/**
 * The unqualified physical name of a projection's table in one generation: `rm_<projection>__<table>_g<n>`.
 * Injective over valid names; camelCase is snake-cased, and each store's table registry refuses the rare clash
 * that leaves (`fooBar` and `foo_bar`).
 */
export const readModelTableName = (projectionName: string, table: string, generation: number): string => {
  if (!Number.isSafeInteger(generation) || generation < 0)
    throw new Error(`invalid read-model generation: ${String(generation)}`);
  return identifier(
    `rm_${part('projection', projectionName)}__${part('table', table)}_g${String(generation)}`,
  );
};
