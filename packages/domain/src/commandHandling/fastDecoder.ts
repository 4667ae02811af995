/**
 * Fast decoding of stored events: a decoder compiled from an io-ts codec that gives the same value as the codec's
 * own `decode` on success, and only says "failed" otherwise (the caller then runs the codec itself for the
 * report). io-ts spends most of a decode on its generic machinery (a context array and an `Either` per node, a
 * copy per stripped object), which the rebuild of read models pays for every event in the log.
 *
 * Exactness: each combinator below mirrors io-ts 2.2.22's own `validate` on its success path, including when it
 * copies an object and the order of keys in what it builds (read models serialise decoded content as JSON, so key
 * order is observable). A codec of any other kind (a custom `new t.Type`, a recursive or dictionary codec) is
 * run through its own `validate`, so it is exact by construction, only not faster. `fastDecoder.test.ts` checks
 * that both agree on generated events, valid and damaged. Upgrading io-ts means reading its combinators again.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

import { DecimalFromString, decimal, isDecimalString } from '../money/decimal.js';

/** What a compiled decoder returns when the value does not decode. Never a JSON value. */
export const DECODE_FAILED: unique symbol = Symbol('accrue.decodeFailed');

/** A decoder compiled by `compileDecoder`: the decoded value, or `DECODE_FAILED`. */
export type FastDecoder<A> = (u: unknown) => A | typeof DECODE_FAILED;

type Untyped = (u: unknown) => unknown;

/** io-ts `UnknownRecord.is`. */
const isRecord = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === 'object' && !Array.isArray(u);

/** Codecs that io-ts implements as `is(u) ? success(u) : failure`, by tag. */
const IDENTITY_BY_IS = new Set([
  'NullType',
  'UndefinedType',
  'VoidType',
  'UnknownType',
  'BigIntType',
  'AnyArrayType',
  'AnyDictionaryType',
]);

/**
 * Hand-written decoders for custom codecs of the stored format, each the exact mirror of the codec's `validate`
 * (checked by the tests like everything else here).
 */
const CUSTOM: ReadonlyMap<unknown, Untyped> = new Map<unknown, Untyped>([
  [DecimalFromString, (u) => (typeof u === 'string' && isDecimalString(u) ? decimal(u) : DECODE_FAILED)],
]);

/** A context for codecs run through their own `validate`: only failures read it, and a failure is all we keep. */
const NO_CONTEXT: t.Context = [];

/** The props an `exact` codec keeps: io-ts's own `getProps`. */
const propsOf = (codec: Inspected): Readonly<Record<string, unknown>> => {
  switch (codec._tag) {
    case 'RefinementType':
    case 'ReadonlyType':
      return propsOf(codec.type as Inspected);
    case 'InterfaceType':
    case 'StrictType':
    case 'PartialType':
      return codec.props as Record<string, unknown>;
    case 'IntersectionType':
      return (codec.types as ReadonlyArray<Inspected>).reduce<Record<string, unknown>>(
        (props, type) => Object.assign(props, propsOf(type)),
        {},
      );
    default:
      return {};
  }
};

/** io-ts `stripKeys`: the same object when nothing is stripped (the usual case: looked for before copying). */
const stripKeys = (o: Record<string, unknown>, props: Readonly<Record<string, unknown>>): unknown => {
  const keys = Object.getOwnPropertyNames(o);
  let i = 0;
  while (i < keys.length && Object.hasOwn(props, keys[i] as string)) i++;
  if (i === keys.length) return o;
  const r: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(props, key)) r[key] = o[key];
  return r;
};

/** io-ts `mergeAll`, the result of an intersection. */
const mergeAll = (base: unknown, us: ReadonlyArray<unknown>): unknown => {
  let equal = true;
  let primitive = true;
  const baseIsNotADictionary = !isRecord(base);
  for (const u of us) {
    if (u !== base) equal = false;
    if (isRecord(u)) primitive = false;
  }
  if (equal) return base;
  if (primitive) return us[us.length - 1];
  const r: Record<string, unknown> = {};
  for (const u of us) {
    const record = u as Record<string, unknown>;
    for (const k in record) {
      if (!Object.hasOwn(r, k) || baseIsNotADictionary || record[k] !== base[k]) {
        r[k] = record[k];
      }
    }
  }
  return r;
};

/** The fields of io-ts codecs that compilation reads (their classes expose them publicly). */
interface Inspected {
  readonly _tag?: string;
  readonly type?: unknown;
  readonly types?: ReadonlyArray<unknown>;
  readonly props?: Readonly<Record<string, unknown>>;
  readonly keys?: Readonly<Record<string, unknown>>;
  readonly value?: unknown;
  readonly predicate?: (a: unknown) => boolean;
  readonly is: (u: unknown) => boolean;
  readonly validate: (u: unknown, c: t.Context) => E.Either<t.Errors, unknown>;
}

const viaValidate =
  (codec: Inspected): Untyped =>
  (u) => {
    const result = codec.validate(u, NO_CONTEXT);
    return E.isRight(result) ? result.right : DECODE_FAILED;
  };

const compiled = new WeakMap<object, Untyped>();

const compile = (codec: Inspected): Untyped => {
  const known = compiled.get(codec) ?? CUSTOM.get(codec);
  if (known !== undefined) return known;
  const decoder = build(codec);
  compiled.set(codec, decoder);
  return decoder;
};

const build = (codec: Inspected): Untyped => {
  switch (codec._tag) {
    case 'StringType':
      return (u) => (typeof u === 'string' ? u : DECODE_FAILED);
    case 'NumberType':
      return (u) => (typeof u === 'number' ? u : DECODE_FAILED);
    case 'BooleanType':
      return (u) => (typeof u === 'boolean' ? u : DECODE_FAILED);
    case 'LiteralType': {
      const value = codec.value;
      return (u) => (u === value ? value : DECODE_FAILED);
    }
    case 'KeyofType': {
      const keys = codec.keys ?? {};
      return (u) => (typeof u === 'string' && Object.hasOwn(keys, u) ? u : DECODE_FAILED);
    }
    case 'RefinementType': {
      const inner = compile(codec.type as Inspected);
      const predicate = codec.predicate;
      if (predicate === undefined) return viaValidate(codec);
      return (u) => {
        const a = inner(u);
        return a !== DECODE_FAILED && predicate(a) ? a : DECODE_FAILED;
      };
    }
    case 'ReadonlyType':
      return compile(codec.type as Inspected);
    case 'ArrayType':
    case 'ReadonlyArrayType': {
      const item = compile(codec.type as Inspected);
      return (u) => {
        if (!Array.isArray(u)) return DECODE_FAILED;
        const us = u as unknown[];
        let as = us;
        for (let i = 0; i < us.length; i++) {
          const ui = us[i];
          const ai = item(ui);
          if (ai === DECODE_FAILED) return DECODE_FAILED;
          if (ai !== ui) {
            if (as === us) as = us.slice();
            as[i] = ai;
          }
        }
        return as;
      };
    }
    case 'InterfaceType': {
      const props = codec.props ?? {};
      const keys = Object.keys(props);
      const types = keys.map((key) => compile(props[key] as Inspected));
      return (u) => {
        if (!isRecord(u)) return DECODE_FAILED;
        const o = u;
        let a = o;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          const ak = a[k];
          const vak = (types[i] as Untyped)(ak);
          if (vak === DECODE_FAILED) return DECODE_FAILED;
          if (vak !== ak || (vak === undefined && !Object.hasOwn(a, k))) {
            if (a === o) a = Object.assign({}, o);
            a[k] = vak;
          }
        }
        return a;
      };
    }
    case 'PartialType': {
      const props = codec.props ?? {};
      const keys = Object.keys(props);
      const types = keys.map((key) => compile(props[key] as Inspected));
      return (u) => {
        if (!isRecord(u)) return DECODE_FAILED;
        const o = u;
        let a = o;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          const ak = a[k];
          const vak = (types[i] as Untyped)(ak);
          if (vak === DECODE_FAILED) {
            if (ak !== undefined) return DECODE_FAILED;
          } else if (vak !== ak) {
            if (a === o) a = Object.assign({}, o);
            a[k] = vak;
          }
        }
        return a;
      };
    }
    case 'ExactType': {
      const inner = compile(codec.type as Inspected);
      const props = propsOf(codec.type as Inspected);
      return (u) => {
        if (!isRecord(u)) return DECODE_FAILED;
        const a = inner(u);
        return a === DECODE_FAILED ? DECODE_FAILED : stripKeys(a as Record<string, unknown>, props);
      };
    }
    case 'IntersectionType': {
      const members = (codec.types ?? []).map((member) => compile(member as Inspected));
      if (members.length === 0) return viaValidate(codec);
      return (u) => {
        const us: unknown[] = [];
        for (const member of members) {
          const a = member(u);
          if (a === DECODE_FAILED) return DECODE_FAILED;
          us.push(a);
        }
        return mergeAll(u, us);
      };
    }
    case 'UnionType': {
      // Tagged or not, the first member that decodes gives the value (a tagged union only skips the members
      // whose tag differs, which fail on their tag literal here).
      const members = (codec.types ?? []).map((member) => compile(member as Inspected));
      return (u) => {
        for (const member of members) {
          const a = member(u);
          if (a !== DECODE_FAILED) return a;
        }
        return DECODE_FAILED;
      };
    }
    default:
      if (codec._tag !== undefined && IDENTITY_BY_IS.has(codec._tag))
        return (u) => (codec.is(u) ? u : DECODE_FAILED);
      return viaValidate(codec);
  }
};

/**
 * Compiles `codec` into a fast decoder with the same result as `codec.decode` on success, and `DECODE_FAILED`
 * when `codec.decode` would fail. Compiled once per codec (cached).
 */
export const compileDecoder = <A>(codec: t.Decoder<unknown, A>): FastDecoder<A> =>
  compile(codec as unknown as Inspected) as FastDecoder<A>;
