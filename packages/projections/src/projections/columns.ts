/**
 * Codecs for read-model rows as a store hands them back. SQLite and PostgreSQL drivers disagree on small things
 * (a PostgreSQL `SUM` of a BIGINT is NUMERIC, read as text; `jsonb` comes back parsed, SQLite JSON as text), so
 * the column codecs accept each driver's spelling and give the projections and queries one type.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as J from 'fp-ts/lib/Json.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';

import type { Row, SqlValue } from '../model/readModel.js';

const INTEGER_TEXT = /^-?[0-9]+$/;

/** A 64-bit `integer` column (money in minor units, positions): `bigint`, also from a safe number or integer text. */
export const IntegerColumn = new t.Type<bigint, bigint, unknown>(
  'IntegerColumn',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => {
    if (typeof u === 'bigint') return t.success(u);
    if (typeof u === 'number' && Number.isSafeInteger(u)) return t.success(BigInt(u));
    if (typeof u === 'string' && INTEGER_TEXT.test(u)) return t.success(BigInt(u));
    return t.failure(u, c, 'not an integer');
  },
  (a) => a,
);

/** A small `integer` column (stream versions, years, counters) as a JS number; refused beyond 2^53. */
export const SmallIntegerColumn = new t.Type<number, number, unknown>(
  'SmallIntegerColumn',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u),
  (u, c) =>
    pipe(
      IntegerColumn.validate(u, c),
      E.flatMap((value) =>
        value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? t.success(Number(value))
          : t.failure(u, c, 'integer beyond 2^53'),
      ),
    ),
  (a) => a,
);

/**
 * A `json` column holding `codec`'s output: written as JSON text, read back from text (SQLite) or from an already
 * parsed value (PostgreSQL `jsonb`).
 */
export const JsonColumn = <C extends t.Mixed>(codec: C): t.Type<t.TypeOf<C>, string> =>
  new t.Type<t.TypeOf<C>, string>(
    `JsonColumn<${codec.name}>`,
    (u): u is t.TypeOf<C> => codec.is(u),
    (u, c) => {
      if (typeof u !== 'string') return codec.validate(u, c);
      const parsed = J.parse(u);
      return E.isLeft(parsed) ? t.failure(u, c, 'not JSON text') : codec.validate(parsed.right, c);
    },
    (a) => JSON.stringify(codec.encode(a)),
  );

/** `codec` or SQL NULL. */
export const nullable = <C extends t.Mixed>(codec: C): t.UnionC<[C, t.NullC]> => t.union([codec, t.null]);

/**
 * A row a projection asked for: missing, found, or damaged (it does not fit its codec). A damaged row is never
 * treated as missing, which would rebuild it from one event and silently lose what it held.
 */
export type Fetched<A> =
  | { readonly _tag: 'Missing' }
  | { readonly _tag: 'Found'; readonly value: A }
  | { readonly _tag: 'Damaged'; readonly row: Row };

export const fetched = <A>(codec: t.Decoder<unknown, A>, row: Row | undefined): Fetched<A> => {
  if (row === undefined) return { _tag: 'Missing' };
  const built = builtRows.get(row);
  if (built !== undefined && built.codec === codec) return { _tag: 'Found', value: built.value as A };
  const decoded = codec.decode(row);
  return E.isRight(decoded) ? { _tag: 'Found', value: decoded.right } : { _tag: 'Damaged', row };
};

/**
 * Rows a projection built itself, with the typed value they encode: when the runner hands such a row back
 * within a batch (the row an earlier event of the batch wrote), `fetched` returns the value as it was instead of
 * decoding the row again (a pure cache: the value is what decoding the row would give).
 */
const builtRows = new WeakMap<Row, { readonly codec: unknown; readonly value: unknown }>();

/** Marks `row` as `codec`'s encoding of `value` (see `fetched`); returns the row. */
export const encodedRow = <A>(codec: t.Decoder<unknown, A>, value: A, row: Row): Row => {
  builtRows.set(row, { codec, value });
  return row;
};

/**
 * A row whose `lazy` columns are computed on first read and then kept: JSON columns of a row that a later event
 * of the same batch replaces are never serialised at all. Columns keep the order of `columns`.
 */
export const rowWithLazyColumns = (
  columns: ReadonlyArray<string>,
  eager: Readonly<Record<string, SqlValue>>,
  lazy: Readonly<Record<string, () => SqlValue>>,
): Row => {
  const row: Record<string, SqlValue> = {};
  for (const column of columns) {
    const compute = lazy[column];
    if (compute === undefined) {
      row[column] = eager[column] ?? null;
      continue;
    }
    let value: SqlValue | undefined;
    Object.defineProperty(row, column, {
      enumerable: true,
      get: () => (value === undefined ? (value = compute()) : value),
    });
  }
  return row;
};
