/**
 * Encoding of decided events straight to the text the command handler stores and hashes: for an event `e` of
 * codec `c`, the `type` of `c.encode(e)` and `canonicalJson(c.encode(e).data)`, in one walk over the event.
 *
 * Why: io-ts's generic `encode` was most of the command handler's own cost on the write path. It copies every
 * object it passes (a spread per interface, a copy per stripped object, a merged copy per intersection, an array
 * per intersection's members), and `canonicalJson` then walked the copy again, sorting each object's keys.
 * Here each codec is compiled once into a writer that emits an object's fields in an order sorted when it was
 * compiled, and runs the codec's own `encode` only at the leaves that transform (decimals).
 *
 * Exactness: every writer returns exactly `canonicalJson(codec.encode(value))` for its codec — by construction
 * wherever it falls back to that expression, and by mirroring io-ts 2.2.22's `encode` (exact, interface,
 * partial, intersection with `mergeAll`, tagged and untagged unions, arrays, refinements) elsewhere. The fast
 * path takes only what it can prove the same for: plain objects (prototype `Object.prototype` or `null`) whose
 * own properties are all enumerable, plain arrays without holes or `undefined` items, intersections whose
 * members own disjoint keys, no key that `Object.prototype` also has, and no NaN where `mergeAll` would compare
 * it. Anything else — an extra key that would be kept, a class instance, a missing required field, an unknown
 * tag, a codec of another kind — is handed to the codec's own `encode` at that node. And if the fast path throws
 * at all, the whole event is encoded the generic way, which then throws what `encode` always threw (or, were the
 * fast path wrong, gives the right text). It assumes what events are (data, never classes: `port.ts`):
 * properties that are data, not getters (io-ts reads some twice and compares what it read), and an
 * `Object.prototype` without enumerable additions. `canonicalEncoder.test.ts` checks that both ways agree on
 * generated events of every type, valid and damaged. Upgrading io-ts means reading its combinators again.
 */
import * as t from 'io-ts';

import type { Json, JsonObject } from '../eventStore/port.js';
import { canonicalJson, quoteJson } from './canonicalJson.js';

/** An encoded event as the command handler stores it: its type, and the canonical JSON of its data. */
export interface CanonicalEvent {
  readonly type: string;
  readonly data: string;
}

/**
 * `{ type, data: canonicalJson(data) }` of `codec.encode(event)`, computed without building the encoded event.
 * The same result as `encodeEventGenerically` for every input, the same exception when that throws.
 */
export const encodeEventCanonically = <Event>(
  codec: t.Encoder<Event, { readonly type: string; readonly data: unknown }>,
  event: Event,
): CanonicalEvent => {
  let fast: CanonicalEvent | undefined;
  try {
    fast = eventWriterOf(codec as unknown as Inspected)(event);
  } catch {
    fast = undefined;
  }
  return fast ?? encodeEventGenerically(codec, event);
};

/** What the command handler did before: the codec's `encode`, then `canonicalJson` of the encoded data. */
export const encodeEventGenerically = <Event>(
  codec: t.Encoder<Event, { readonly type: string; readonly data: unknown }>,
  event: Event,
): CanonicalEvent => {
  const encoded = codec.encode(event);
  return { type: encoded.type, data: canonicalJson(encoded.data as JsonObject) };
};

/**
 * `canonicalJson(codec.encode(a))`, or `undefined` when the encoded value is `undefined` (an object leaves such
 * a key out, an array writes `null`).
 */
type Writer = (a: unknown) => string | undefined;

/** An event writer: the canonical event, or `undefined` to have it encoded generically. */
type EventWriter = (event: unknown) => CanonicalEvent | undefined;

/** The fields of io-ts codecs that compilation reads (their classes expose them publicly). */
interface Inspected {
  readonly _tag?: string;
  readonly type?: unknown;
  readonly types?: ReadonlyArray<unknown>;
  readonly props?: Readonly<Record<string, unknown>>;
  readonly tag?: unknown;
  readonly value?: unknown;
  readonly is: (u: unknown) => boolean;
  readonly encode: (a: unknown) => unknown;
}

const isIdentity = (codec: Inspected): boolean => codec.encode === t.identity;

/** An object the fast path may read field by field: what JSON and the deciders make. */
const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (u === null || typeof u !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(u);
  return proto === Object.prototype || proto === null;
};

/**
 * Own property names, when every one of them is enumerable (else `undefined`): io-ts copies objects both by
 * spreading (enumerable keys) and by `stripKeys` (all own names), so only then do both see the same keys.
 * (`for…in` counts the enumerable ones without allocating: a plain object inherits none.)
 */
const enumerableOwnNames = (o: object): ReadonlyArray<string> | undefined => {
  const names = Object.getOwnPropertyNames(o);
  let enumerable = 0;
  for (const _ in o) enumerable++;
  return names.length === enumerable ? names : undefined;
};

/** The generic writer of a node, exact by definition. */
const viaEncode =
  (codec: Inspected): Writer =>
  (a) => {
    const encoded = codec.encode(a);
    return encoded === undefined ? undefined : canonicalJson(encoded as Json);
  };

/** The writer of a codec whose `encode` is the identity. */
const identityWriter: Writer = (a) =>
  typeof a === 'string' ? quoteJson(a) : a === undefined ? undefined : canonicalJson(a as Json);

// ---------------------------------------------------------------------------------------------------------------
// Objects: a plan of the fields an object codec writes.

interface Field {
  readonly key: string;
  /** `"key":`, quoted once. */
  readonly label: string;
  readonly write: Writer;
  /**
   * An interface property with a transforming `encode`: io-ts encodes it even when absent (`encode(undefined)`),
   * so an absent or undefined value goes to the generic writer.
   */
  readonly required: boolean;
}

/**
 * What an object codec's `encode` makes of a plain object with enumerable own properties: its `fields` (sorted
 * by key, as `canonicalJson` orders them), and whether keys it does not own are kept as they are (`passthrough`)
 * or stripped.
 */
interface Plan {
  readonly id: number;
  readonly fields: ReadonlyArray<Field>;
  /** Each owned key's index in `fields`. */
  readonly owned: ReadonlyMap<string, number>;
  readonly passthrough: boolean;
}

/**
 * An object codec's plan: fixed, or chosen for each value where an untagged union picks its member by `is` (as
 * io-ts does). `undefined` from `choose`: no plan for this value, the generic writer decides.
 */
interface Planned {
  readonly fixed: Plan | undefined;
  readonly choose: (a: Readonly<Record<string, unknown>>) => Plan | undefined;
}

const fixedPlan = (fields: ReadonlyArray<Field>, passthrough: boolean): Planned => {
  const chosen = plan(fields, passthrough);
  return { fixed: chosen, choose: () => chosen };
};

/**
 * - interface: `{ ...a }`, then each transforming property encoded (present or not): every own key is kept;
 * - partial: `{ ...a }`, then each transforming property encoded when not undefined;
 * - exact: the inner codec's `encode` of the object stripped of keys outside its props;
 * - intersection: `mergeAll` of the members' encodings: with members owning disjoint keys, each owned key gets
 *   its owner's encoding (the others keep the key's value, unchanged, or strip it) and other keys are kept if
 *   some member keeps them;
 * - untagged union: the encoding of the first member whose `is` holds;
 * - refinement and readonly: the inner codec's `encode`, the very same function.
 */
const planOf = (codec: Inspected): Planned | undefined => {
  switch (codec._tag) {
    case 'InterfaceType':
    case 'PartialType': {
      const props = codec.props ?? {};
      const keys = Object.keys(props);
      // `a[key]` of a plain object would find Object.prototype's own member where io-ts may read it too.
      if (keys.some((key) => key in Object.prototype)) return undefined;
      const partial = codec._tag === 'PartialType';
      const fields = keys.map((key): Field => {
        const prop = props[key] as Inspected;
        return {
          key,
          label: `${quoteJson(key)}:`,
          write: writerOf(prop),
          required: !partial && !isIdentity(prop),
        };
      });
      return fixedPlan(fields, true);
    }
    case 'ExactType': {
      const inner = codec.type as Inspected;
      const innerPlan = planOf(inner)?.fixed;
      // Exact strips to `getProps(inner)`: the keys the inner plan owns, checked rather than assumed.
      if (innerPlan === undefined || !sameKeys(propsOf(inner), innerPlan.owned)) return undefined;
      return fixedPlan(innerPlan.fields, false);
    }
    case 'IntersectionType': {
      const members: Planned[] = [];
      for (const member of codec.types ?? []) {
        const planned = planOf(member as Inspected);
        if (planned === undefined) return undefined;
        members.push(planned);
      }
      if (members.length === 0) return undefined;
      const fixed = members.map((member) => member.fixed);
      if (fixed.every((member) => member !== undefined)) {
        const merged = merge(fixed);
        return merged === undefined ? undefined : { fixed: merged, choose: () => merged };
      }
      // Some member is chosen per value: merge what was chosen, once per combination.
      const merges = new Map<string, Plan | undefined>();
      return {
        fixed: undefined,
        choose: (a) => {
          const chosen: Plan[] = [];
          for (const member of members) {
            const memberPlan = member.choose(a);
            if (memberPlan === undefined) return undefined;
            chosen.push(memberPlan);
          }
          const key = chosen.map((memberPlan) => memberPlan.id).join(',');
          if (!merges.has(key)) merges.set(key, merge(chosen));
          return merges.get(key);
        },
      };
    }
    case 'UnionType': {
      if (codec.tag !== undefined) return undefined;
      const members = (codec.types ?? []) as ReadonlyArray<Inspected>;
      const planned: Planned[] = [];
      for (const member of members) {
        const memberPlanned = planOf(member);
        if (memberPlanned === undefined) return undefined;
        planned.push(memberPlanned);
      }
      return {
        fixed: undefined,
        choose: (a) => {
          for (let i = 0; i < members.length; i++)
            if ((members[i] as Inspected).is(a)) return (planned[i] as Planned).choose(a);
          return undefined;
        },
      };
    }
    case 'RefinementType':
    case 'ReadonlyType': {
      const inner = codec.type as Inspected;
      return codec.encode === inner.encode ? planOf(inner) : undefined;
    }
    default:
      return undefined;
  }
};

/** An intersection's plan from its members' plans; undefined when two members own the same key. */
const merge = (members: ReadonlyArray<Plan>): Plan | undefined => {
  const fields: Field[] = [];
  let passthrough = false;
  for (const member of members) {
    for (const field of member.fields) {
      if (fields.some((other) => other.key === field.key)) return undefined;
      fields.push(field);
    }
    passthrough ||= member.passthrough;
  }
  return plan(fields, passthrough);
};

let plans = 0;

const plan = (fields: ReadonlyArray<Field>, passthrough: boolean): Plan => {
  // Keys sort by UTF-16 code units, as `canonicalJson` sorts them.
  const sorted = [...fields].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    id: plans++,
    fields: sorted,
    owned: new Map(sorted.map((field, i) => [field.key, i])),
    passthrough,
  };
};

/** io-ts `getProps`: the keys an exact codec keeps. */
const propsOf = (codec: Inspected): ReadonlyArray<string> => {
  switch (codec._tag) {
    case 'RefinementType':
    case 'ReadonlyType':
      return propsOf(codec.type as Inspected);
    case 'InterfaceType':
    case 'StrictType':
    case 'PartialType':
      return Object.keys(codec.props ?? {});
    case 'IntersectionType':
      return (codec.types ?? []).flatMap((member) => propsOf(member as Inspected));
    default:
      return [];
  }
};

const sameKeys = (keys: ReadonlyArray<string>, owned: ReadonlyMap<string, number>): boolean =>
  new Set(keys).size === owned.size && keys.every((key) => owned.has(key));

/**
 * An object's canonical JSON by its plan; the generic writer for anything the plan does not cover.
 *
 * The values are read by a `for…in` over the object itself, which V8 serves from the object's enumeration
 * cache (reading `a[field.key]` field by field is a megamorphic lookup each time), into the slots of the
 * plan's sorted fields; then the fields are written in that order.
 */
const objectWriter =
  (planned: Planned, generic: Writer): Writer =>
  (a) => {
    if (!isPlainObject(a)) return generic(a);
    const objectPlan = planned.fixed ?? planned.choose(a);
    if (objectPlan === undefined) return generic(a);
    const { fields, owned } = objectPlan;
    const values: unknown[] = new Array<unknown>(fields.length);
    let enumerable = 0;
    for (const key in a) {
      enumerable++;
      const index = owned.get(key);
      if (index !== undefined) values[index] = a[key];
      // A key no field owns would be kept: rare enough to leave to the generic writer, which sorts it in.
      else if (objectPlan.passthrough) return generic(a);
    }
    // Only enumerable own properties (a plain object inherits none): see `enumerableOwnNames`.
    if (Object.getOwnPropertyNames(a).length !== enumerable) return generic(a);
    let text = '';
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as Field;
      const value = values[i];
      if (value === undefined) {
        if (field.required) return generic(a);
        continue;
      }
      // `mergeAll` tells a member's changes by `!==`, which NaN never passes: its result depends on the order.
      if (typeof value === 'number' && Number.isNaN(value)) return generic(a);
      const written = field.write(value);
      if (written === undefined) continue;
      text = text === '' ? `{${field.label}${written}` : `${text},${field.label}${written}`;
    }
    return text === '' ? '{}' : `${text}}`;
  };

// ---------------------------------------------------------------------------------------------------------------
// Arrays and unions.

/** A non-identity array: `a.map(item.encode)`; an array with holes or undefined items goes generic. */
const arrayWriter =
  (item: Writer, generic: Writer): Writer =>
  (a) => {
    if (!Array.isArray(a) || Object.getPrototypeOf(a) !== Array.prototype) return generic(a);
    const items = a as ReadonlyArray<unknown>;
    if (items.length === 0) return '[]';
    let text = '[';
    for (let i = 0; i < items.length; i++) {
      const value = items[i];
      if (value === undefined) return generic(a);
      text += `${i === 0 ? '' : ','}${item(value) ?? 'null'}`;
    }
    return `${text}]`;
  };

/** The literal value a tagged union's member has at `tag`, when it is an object codec with that literal prop. */
const tagValueOf = (codec: Inspected, tag: string): { readonly value: unknown } | undefined => {
  switch (codec._tag) {
    case 'ExactType':
    case 'RefinementType':
    case 'ReadonlyType':
      return tagValueOf(codec.type as Inspected, tag);
    case 'InterfaceType': {
      const prop = codec.props?.[tag] as Inspected | undefined;
      return prop?._tag === 'LiteralType' ? { value: prop.value } : undefined;
    }
    default:
      return undefined;
  }
};

/**
 * A tagged union's members by tag value, when every member is an object codec with a literal tag (io-ts then
 * encodes with the member whose tag values hold `a[tag]`; those sets are disjoint by construction).
 */
const membersByTag = (codec: Inspected): ReadonlyMap<unknown, Inspected> | undefined => {
  const tag = codec.tag;
  if (typeof tag !== 'string') return undefined;
  const byTag = new Map<unknown, Inspected>();
  for (const member of codec.types ?? []) {
    const found = tagValueOf(member as Inspected, tag);
    // NaN: io-ts looks tags up with `indexOf`, which never finds it; a Map would.
    if (found === undefined || Number.isNaN(found.value)) return undefined;
    if (!byTag.has(found.value)) byTag.set(found.value, member as Inspected);
  }
  return byTag;
};

// ---------------------------------------------------------------------------------------------------------------
// Compilation, once per codec.

const writers = new WeakMap<object, Writer>();

const writerOf = (codec: Inspected): Writer => {
  let writer = writers.get(codec);
  if (writer === undefined) {
    writer = build(codec);
    writers.set(codec, writer);
  }
  return writer;
};

const build = (codec: Inspected): Writer => {
  if (isIdentity(codec)) return identityWriter;
  const generic = viaEncode(codec);
  const objectPlan = planOf(codec);
  if (objectPlan !== undefined) return objectWriter(objectPlan, generic);
  switch (codec._tag) {
    case 'RefinementType':
    case 'ReadonlyType': {
      const inner = codec.type as Inspected;
      return codec.encode === inner.encode ? writerOf(inner) : generic;
    }
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return arrayWriter(writerOf(codec.type as Inspected), generic);
    case 'UnionType': {
      const tag = codec.tag;
      if (typeof tag === 'string') {
        // Tagged: io-ts encodes with the member whose tag values hold `a[tag]`, without asking its `is`.
        const byTag = membersByTag(codec);
        if (byTag === undefined) return generic;
        return (a) => {
          if (!isPlainObject(a)) return generic(a);
          const member = byTag.get(a[tag]);
          return member === undefined ? generic(a) : writerOf(member)(a);
        };
      }
      // Untagged (and not all object codecs, or `planOf` would have planned it): io-ts encodes with the first
      // member whose `is` holds.
      const members = (codec.types ?? []) as ReadonlyArray<Inspected>;
      return (a) => {
        for (const member of members) if (member.is(a)) return writerOf(member)(a);
        return generic(a);
      };
    }
    default:
      return generic;
  }
};

const eventWriters = new WeakMap<object, EventWriter>();

const eventWriterOf = (codec: Inspected): EventWriter => {
  let writer = eventWriters.get(codec);
  if (writer === undefined) {
    writer = buildEventWriter(codec);
    eventWriters.set(codec, writer);
  }
  return writer;
};

/**
 * Events are an exact `{ type, data }` codec, or a tagged union of them. For such a codec, `encode` gives the
 * event's own `type` (an identity codec) and the encoding of its `data`; the event's other keys are stripped.
 */
const buildEventWriter = (codec: Inspected): EventWriter => {
  if (codec._tag === 'ExactType') {
    const writeData = dataWriterOf(codec);
    return writeData === undefined ? () => undefined : (event) => writeEvent(writeData, event);
  }
  const byTag = codec._tag === 'UnionType' ? membersByTag(codec) : undefined;
  if (byTag === undefined) return () => undefined;
  const tag = codec.tag as string;
  const members = new Map<Inspected, Writer | undefined>();
  for (const member of byTag.values()) members.set(member, dataWriterOf(member));
  return (event) => {
    if (!isPlainObject(event)) return undefined;
    const member = byTag.get(event[tag]);
    const writeData = member === undefined ? undefined : members.get(member);
    return writeData === undefined ? undefined : writeEvent(writeData, event);
  };
};

/** The writer of `data` when `codec` is exactly `t.strict({ type: <identity>, data })`. */
const dataWriterOf = (codec: Inspected): Writer | undefined => {
  const memberPlan = codec._tag === 'ExactType' ? planOf(codec)?.fixed : undefined;
  const [data, type] = memberPlan?.fields ?? [];
  const fits =
    memberPlan?.fields.length === 2 &&
    data?.key === 'data' &&
    type?.key === 'type' &&
    !type.required &&
    type.write === identityWriter;
  return fits ? data.write : undefined;
};

const writeEvent = (writeData: Writer, event: unknown): CanonicalEvent | undefined => {
  if (!isPlainObject(event) || enumerableOwnNames(event) === undefined) return undefined;
  const type = event['type'];
  const data = event['data'];
  if (typeof type !== 'string' || data === undefined) return undefined;
  // `canonicalJson` of an undefined `data` is `null`.
  return { type, data: writeData(data) ?? 'null' };
};
