import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { ErrorDetail } from '../errors.js';

/**
 * Request schemas defined once, giving both the io-ts codec that decodes a request body and the JSON Schema
 * (2020-12, as OpenAPI 3.1 uses) that documents it. Objects refuse unknown fields, strings and arrays are
 * bounded, and leaves reuse the domain's codecs (decimal strings, dates, currencies…), so what the document
 * promises is exactly what the decoder accepts.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Spec<A> {
  readonly codec: t.Decoder<unknown, A>;
  readonly schema: JsonSchema;
}

export type TypeOfSpec<S> = S extends Spec<infer A> ? A : never;

// The structural codecs made here, so an error's context can be turned into a JSON path.
const objectCodecs = new WeakSet<t.Decoder<unknown, unknown>>();
const arrayCodecs = new WeakSet<t.Decoder<unknown, unknown>>();

/** A domain codec (or any codec) as a leaf, documented by `schema`; `message` explains a refusal. */
export const leaf = <A>(codec: t.Decoder<unknown, A>, schema: JsonSchema, message: string): Spec<A> => ({
  codec: new t.Type<A, unknown, unknown>(
    codec.name,
    (u): u is A => E.isRight(codec.decode(u)),
    (u, context) => {
      const result = codec.validate(u, context);
      return E.isRight(result) ? result : t.failure(u, context, message);
    },
    (a) => a,
  ),
  schema,
});

export const boundedString = (maxLength: number, description?: string): Spec<string> =>
  leaf(
    new t.Type<string, string, unknown>(
      'BoundedString',
      (u): u is string => typeof u === 'string' && u.length <= maxLength,
      (u, c) => (typeof u === 'string' && u.length <= maxLength ? t.success(u) : t.failure(u, c)),
      t.identity,
    ),
    { type: 'string', maxLength, ...(description === undefined ? {} : { description }) },
    `expected a string of at most ${maxLength} characters`,
  );

export const boolean: Spec<boolean> = leaf(t.boolean, { type: 'boolean' }, 'expected true or false');

/** `null` or the spec's value: PATCH uses it to clear an optional field. */
export const nullable = <A>(spec: Spec<A>): Spec<A | null> => ({
  codec: new t.Type<A | null, unknown, unknown>(
    `${spec.codec.name} | null`,
    (u): u is A | null => u === null || E.isRight(spec.codec.decode(u)),
    (u, c) => (u === null ? t.success(null) : spec.codec.validate(u, c)),
    (a) => a,
  ),
  schema: { oneOf: [spec.schema, { type: 'null' }] },
});

export const array = <A>(item: Spec<A>, maxItems: number): Spec<ReadonlyArray<A>> => {
  const codec = new t.Type<ReadonlyArray<A>, unknown, unknown>(
    `Array<${item.codec.name}>`,
    (u): u is ReadonlyArray<A> => Array.isArray(u) && u.every((x) => E.isRight(item.codec.decode(x))),
    (u, c) => {
      if (!Array.isArray(u)) return t.failure(u, c, 'expected an array');
      if (u.length > maxItems) return t.failure(u, c, `expected at most ${maxItems} items`);
      const errors: t.Errors = [];
      const values: A[] = [];
      u.forEach((element: unknown, index) => {
        const result = item.codec.validate(element, t.appendContext(c, String(index), item.codec, element));
        if (E.isLeft(result)) errors.push(...result.left);
        else values.push(result.right);
      });
      return errors.length > 0 ? t.failures(errors) : t.success(values);
    },
    (a) => a,
  );
  arrayCodecs.add(codec);
  return { codec, schema: { type: 'array', items: item.schema, maxItems } };
};

type Props = Readonly<Record<string, Spec<unknown>>>;
type Decoded<P extends Props> = { readonly [K in keyof P]: TypeOfSpec<P[K]> };

/** Optional properties: absent from the result when absent from the input. */
type ObjectOf<R extends Props, O extends Props> = Decoded<R> & Partial<Decoded<O>>;

export interface ObjectOptions<A> {
  readonly description?: string;
  /** A rule across fields (e.g. exactly one of two); a message per offending field path. */
  readonly check?: (value: A) => ReadonlyArray<{ readonly field?: string; readonly message: string }>;
  /** Extra JSON Schema keywords documenting `check` (e.g. `oneOf` of required sets). */
  readonly schema?: JsonSchema;
}

/** A JSON object with these required and optional properties and nothing else. */
export const object = <R extends Props, O extends Props>(
  name: string,
  required: R,
  optional: O,
  options: ObjectOptions<ObjectOf<R, O>> = {},
): Spec<ObjectOf<R, O>> => {
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const codec = new t.Type<ObjectOf<R, O>, unknown, unknown>(
    name,
    (u): u is ObjectOf<R, O> => typeof u === 'object' && u !== null && !Array.isArray(u),
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u))
        return t.failure(u, c, 'expected a JSON object');
      const input = u as Record<string, unknown>;
      const errors: t.Errors = [];
      const result: Record<string, unknown> = {};
      for (const key of Object.keys(input)) {
        if (!known.has(key)) {
          errors.push({
            value: input[key],
            context: [...c, { key, type: t.never, actual: input[key] }],
            message: 'unknown field',
          });
        }
      }
      const visit = (key: string, spec: Spec<unknown>, isRequired: boolean): void => {
        if (!Object.prototype.hasOwnProperty.call(input, key)) {
          if (isRequired)
            errors.push({
              value: undefined,
              context: [...c, { key, type: spec.codec, actual: undefined }],
              message: 'required',
            });
          return;
        }
        const value = input[key];
        const decoded = spec.codec.validate(value, t.appendContext(c, key, spec.codec, value));
        if (E.isLeft(decoded)) errors.push(...decoded.left);
        else result[key] = decoded.right;
      };
      for (const [key, spec] of Object.entries(required)) visit(key, spec, true);
      for (const [key, spec] of Object.entries(optional)) visit(key, spec, false);
      if (errors.length > 0) return t.failures(errors);
      const value = result as ObjectOf<R, O>;
      const problems = options.check?.(value) ?? [];
      if (problems.length > 0) {
        return t.failures(
          problems.map((problem) => ({
            value: problem.field === undefined ? u : input[problem.field],
            context:
              problem.field === undefined
                ? c
                : [...c, { key: problem.field, type: t.unknown, actual: input[problem.field] }],
            message: problem.message,
          })),
        );
      }
      return t.success(value);
    },
    (a) => a,
  );
  objectCodecs.add(codec);
  const properties: Record<string, JsonSchema> = {};
  for (const [key, spec] of Object.entries({ ...required, ...optional })) properties[key] = spec.schema;
  return {
    codec,
    schema: {
      type: 'object',
      ...(options.description === undefined ? {} : { description: options.description }),
      properties,
      required: Object.keys(required),
      additionalProperties: false,
      ...options.schema,
    },
  };
};

/**
 * The JSON path of a decoding error, as the request spelt it: `lines[0].unit_price`, `customer.address.city`;
 * empty for the body itself.
 */
export const errorPath = (context: t.Context): string => {
  let path = '';
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]?.type;
    const entry = context[i];
    if (entry === undefined || parent === undefined) continue;
    if (arrayCodecs.has(parent)) path += `[${entry.key}]`;
    else if (objectCodecs.has(parent)) path += path === '' ? entry.key : `.${entry.key}`;
  }
  return path;
};

/** At most this many details per answer: a hostile body with 10,000 bad fields gets a short answer. */
const MAX_DETAILS = 50;

export const errorDetails = (errors: t.Errors): ReadonlyArray<ErrorDetail> => {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const detail = { path: errorPath(error.context), message: error.message ?? 'invalid value' };
    const key = `${detail.path}\u0000${detail.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(detail);
    if (details.length >= MAX_DETAILS) break;
  }
  return details;
};
