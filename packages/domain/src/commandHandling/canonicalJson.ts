import type { Json, NewEvent } from '../eventStore/port.js';

/**
 * Canonical JSON for hashing: object keys sorted (by UTF-16 code units), no white space, strings and numbers
 * as `JSON.stringify` writes them, keys whose value is `undefined` left out (as `JSON.stringify` does). The
 * same event gives the same text in every store and after every export and import, whatever order a store
 * or driver returns keys in.
 *
 * It runs for every event written (and read back by `verify`), so it avoids the obvious costs: a string is
 * quoted by `JSON.stringify` only when it has something to escape, object keys (few, and the same ones over and
 * over) are quoted once and remembered, and short key lists are sorted in place by insertion.
 */
export const canonicalJson = (value: Json | undefined): string => {
  switch (typeof value) {
    case 'string':
      return quoteJson(value);
    case 'number':
      // What `JSON.stringify` writes for a number.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const items = value as ReadonlyArray<Json | undefined>;
        if (items.length === 0) return '[]';
        let text = `[${canonicalJson(items[0])}`;
        for (let i = 1; i < items.length; i++) text += `,${canonicalJson(items[i])}`;
        return `${text}]`;
      }
      const record = value as { readonly [key: string]: Json | undefined };
      const keys = Object.keys(record);
      sortKeys(keys);
      let text = '';
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        text += `${text === '' ? '{' : ','}${quoteKey(key)}:${canonicalJson(item)}`;
      }
      return text === '' ? '{}' : `${text}}`;
    }
    case 'undefined':
      return 'null';
    default:
      // Not JSON (a bigint, a function): whatever `JSON.stringify` makes of it, as before.
      return JSON.stringify(value);
  }
};

/** What `JSON.stringify` escapes in a string: quote, backslash, control characters, lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as `JSON.stringify` writes it. */
export const quoteJson = (text: string): string =>
  NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;

const quotedKeys = new Map<string, string>();
const quoteKey = (key: string): string => {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quoteJson(key);
    // Bounded: keys are mostly a schema's field names, but a record keyed by data must not grow this forever.
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
};

/** Sorts by UTF-16 code units, as `Array.prototype.sort` does by default; by insertion when the list is short. */
const sortKeys = (keys: string[]): void => {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
};

/** The JSON text of a new event's data and metadata, as whoever built the event already wrote it. */
export interface SerialisedJson {
  readonly data: string;
  readonly metadata: string;
}

/** Where the text is kept: a non-enumerable symbol-keyed property, invisible to `Object.keys`, JSON and clones. */
const SERIALISED_JSON = Symbol('accrue.serialisedJson');

/**
 * Remembers the JSON text of `event`'s data and metadata, so that a store that keeps events as text can use it
 * instead of serialising them again (the command handler already wrote the data's canonical JSON to hash it).
 * Each text must be JSON that parses to a value equal to the field (same keys and values; key order may differ).
 * Stores that get no text, or ignore it, serialise `data` and `metadata` themselves: the port is unchanged.
 *
 * The text rides on the event object itself as a hidden property (a `WeakMap` would do the same at several
 * times the cost per event); a copy of the event (spread, `structuredClone`) carries no text, as it should not.
 */
export const withSerialisedJson = <A extends NewEvent>(event: A, json: SerialisedJson): A => {
  if (Object.isExtensible(event)) Object.defineProperty(event, SERIALISED_JSON, { value: json });
  return event;
};

/** The text remembered by `withSerialisedJson` for this very event object, if any. */
export const serialisedJsonOf = (event: NewEvent): SerialisedJson | undefined =>
  (event as { readonly [SERIALISED_JSON]?: SerialisedJson })[SERIALISED_JSON];
