import type { Json } from '../eventStore/port.js';

/**
 * Canonical JSON for hashing: object keys sorted, no white space, strings and numbers as `JSON.stringify`
 * writes them. The same event gives the same text in every store and after every export and import, whatever
 * order a store or driver returns keys in.
 */
export const canonicalJson = (value: Json): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item: Json) => canonicalJson(item)).join(',')}]`;
  const record = value as { readonly [key: string]: Json };
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key] ?? null)}`).join(',')}}`;
};
