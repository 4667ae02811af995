import type { Json } from '../eventStore/port.js';

/**
 * Canonical JSON for hashing: object keys sorted (by UTF-16 code units), no white space, strings and numbers
 * as `JSON.stringify` writes them, keys whose value is `undefined` left out (as `JSON.stringify` does). The
 * same event gives the same text in every store and after every export and import, whatever order a store
 * or driver returns keys in.
 */
export const canonicalJson = (value: Json | undefined): string => {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      text += canonicalJson(value[i] as Json | undefined);
    }
    return `${text}]`;
  }
  const record = value as { readonly [key: string]: Json | undefined };
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${text}}`;
};
