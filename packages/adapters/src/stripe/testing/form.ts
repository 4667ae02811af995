/**
 * Stripe's request encoding, read the way Stripe reads it: `application/x-www-form-urlencoded` with bracket
 * ("deepObject") nesting — `metadata[k]=v`, `lines[0][tax_amounts][0][amount]=19`, `expand[]=x`. Parsed with
 * Node's `URLSearchParams` plus the bracket decoder below, then checked against a small per-endpoint schema
 * that answers the way Stripe does: `parameter_unknown` for a name the endpoint does not take,
 * `parameter_missing`, `parameter_invalid_integer`, and messages in Stripe's wording where we know it.
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export interface ParamError {
  readonly param?: string;
  readonly code?: string;
  readonly message: string;
}

export type Result<A> =
  { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: ParamError };
const ok = <A>(value: A): Result<A> => ({ ok: true, value });
const err = (error: ParamError): { readonly ok: false; readonly error: ParamError } => ({ ok: false, error });

interface Branch {
  kind: 'branch';
  array: boolean;
  children: Map<string, Node>;
}
type Node = { kind: 'leaf'; value: string } | Branch;

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

const toValue = (node: Node, path: string): Result<FormValue> => {
  if (node.kind === 'leaf') return ok(node.value);
  if (node.array) {
    const entries = [...node.children.entries()];
    if (!entries.every(([key]) => /^\d+$/.test(key))) {
      return err({ param: path, message: `Invalid array: ${path} mixes indexes and names` });
    }
    entries.sort(([a], [b]) => Number(a) - Number(b));
    const out: FormValue[] = [];
    for (const [key, child] of entries) {
      const value = toValue(child, `${path}[${key}]`);
      if (!value.ok) return value;
      out.push(value.value);
    }
    return ok(out);
  }
  const out: FormObject = {};
  for (const [key, child] of node.children) {
    const value = toValue(child, path === '' ? key : `${path}[${key}]`);
    if (!value.ok) return value;
    out[key] = value.value;
  }
  return ok(out);
};

/** Decodes a form body (or a query string) into nested objects and arrays; `ParamError` when malformed. */
export const decodeForm = (text: string): Result<FormObject> => {
  const root: Branch = { kind: 'branch', array: false, children: new Map() };
  for (const [name, value] of new URLSearchParams(text)) {
    const match = KEY.exec(name);
    if (match === null) return err({ message: `Invalid parameter name: ${name}` });
    const head = match[1] ?? '';
    const segments = [head, ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '')];
    let node: Branch = root;
    for (let i = 0; i < segments.length; i += 1) {
      let segment = segments[i] ?? '';
      const last = i === segments.length - 1;
      const parent = node;
      if (i > 0 && (segment === '' || /^\d+$/.test(segment))) {
        if (parent.children.size > 0 && !parent.array)
          return err({ param: head, message: `Invalid hash: ${name}` });
        parent.array = true;
        if (segment === '') segment = String(parent.children.size);
      } else if (i > 0 && parent.array) {
        return err({ param: head, message: `Invalid array: ${name}` });
      }
      const existing = parent.children.get(segment);
      if (last) {
        if (existing !== undefined && existing.kind === 'branch')
          return err({ param: head, message: `Invalid hash: ${name}` });
        parent.children.set(segment, { kind: 'leaf', value });
      } else if (existing === undefined) {
        const child: Branch = { kind: 'branch', array: false, children: new Map() };
        parent.children.set(segment, child);
        node = child;
      } else if (existing.kind === 'leaf') {
        // `a=1&a[b]=2`: Stripe answers "Invalid hash".
        return err({ param: head, message: `Invalid hash: ${name}` });
      } else {
        node = existing;
      }
    }
  }
  const value = toValue(root, '');
  if (!value.ok) return value;
  const tree = value.value;
  return typeof tree === 'object' && !Array.isArray(tree) ? ok(tree) : err({ message: 'Invalid body' });
};

// ---------------------------------------------------------------------------------------------------------
// Schemas

export type Spec =
  | { readonly kind: 'string'; readonly max?: number; readonly required?: boolean }
  | { readonly kind: 'integer'; readonly min?: bigint; readonly required?: boolean }
  | { readonly kind: 'boolean'; readonly required?: boolean }
  | {
      readonly kind: 'decimal';
      readonly min?: number;
      readonly max?: number;
      readonly places?: number;
      readonly required?: boolean;
    }
  | { readonly kind: 'enum'; readonly values: ReadonlyArray<string>; readonly required?: boolean }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Spec>>; readonly required?: boolean }
  | { readonly kind: 'array'; readonly item: Spec; readonly max?: number; readonly required?: boolean }
  | { readonly kind: 'metadata'; readonly required?: boolean };

export type Parsed = string | bigint | boolean | Parsed[] | { [key: string]: Parsed } | undefined;

export const str = (max?: number, required = false): Spec => ({
  kind: 'string',
  ...(max === undefined ? {} : { max }),
  required,
});
export const int = (min?: bigint, required = false): Spec => ({
  kind: 'integer',
  ...(min === undefined ? {} : { min }),
  required,
});
export const bool = (required = false): Spec => ({ kind: 'boolean', required });
export const oneOf = (values: ReadonlyArray<string>, required = false): Spec => ({
  kind: 'enum',
  values,
  required,
});
export const obj = (fields: Readonly<Record<string, Spec>>, required = false): Spec => ({
  kind: 'object',
  fields,
  required,
});
export const arr = (item: Spec, max?: number, required = false): Spec => ({
  kind: 'array',
  item,
  ...(max === undefined ? {} : { max }),
  required,
});
export const metadata: Spec = { kind: 'metadata' };
/** Every endpoint takes `expand[]`; the server ignores it. */
export const expand: Spec = arr(str(5000));

const fail = (
  param: string,
  message: string,
  code?: string,
): { readonly ok: false; readonly error: ParamError } =>
  err({ param, message, ...(code === undefined ? {} : { code }) });

const validateValue = (value: FormValue, spec: Spec, path: string): Result<Parsed> => {
  switch (spec.kind) {
    case 'string': {
      if (typeof value !== 'string') return fail(path, `Invalid string: ${path}`);
      if (spec.max !== undefined && value.length > spec.max) {
        return fail(path, `Invalid string: ${value.slice(0, 20)}...; must be at most ${spec.max} characters`);
      }
      return ok(value);
    }
    case 'integer': {
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
        return fail(
          path,
          `Invalid integer: ${typeof value === 'string' ? value : path}`,
          'parameter_invalid_integer',
        );
      }
      const n = BigInt(value);
      if (spec.min !== undefined && n < spec.min) {
        return fail(path, `This value must be greater than or equal to ${spec.min}.`);
      }
      return ok(n);
    }
    case 'boolean':
      if (value === 'true') return ok(true);
      if (value === 'false') return ok(false);
      return fail(path, `Invalid boolean: ${typeof value === 'string' ? value : path}`);
    case 'decimal': {
      const places = spec.places ?? 12;
      if (typeof value !== 'string' || !new RegExp(`^-?\\d+(\\.\\d{1,${places}})?$`).test(value)) {
        return fail(path, `Invalid decimal: ${typeof value === 'string' ? value : path}`);
      }
      const n = Number(value);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return fail(path, `Invalid ${path}: must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}`);
      }
      return ok(value);
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        return fail(path, `Invalid ${path}: must be one of ${spec.values.join(', ')}`);
      }
      return ok(value);
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return fail(path, `Invalid hash: ${path}`);
      return validateObject(value, spec.fields, path);
    case 'array': {
      if (!Array.isArray(value)) return fail(path, `Invalid array: ${path}`);
      if (spec.max !== undefined && value.length > spec.max) {
        return fail(path, `Invalid array: ${path} must have at most ${spec.max} elements`);
      }
      const out: Parsed[] = [];
      for (let i = 0; i < value.length; i += 1) {
        const item = value[i];
        if (item === undefined) continue;
        const parsed = validateValue(item, spec.item, `${path}[${i}]`);
        if (!parsed.ok) return parsed;
        out.push(parsed.value);
      }
      return ok(out);
    }
    case 'metadata': {
      // "You can specify up to 50 keys, with key names up to 40 characters long and values up to 500
      // characters long."
      if (value === '') return ok({});
      if (typeof value !== 'object' || Array.isArray(value)) return fail(path, `Invalid hash: ${path}`);
      const entries = Object.entries(value);
      if (entries.length > 50) return fail(path, 'Invalid metadata: metadata can have at most 50 keys.');
      const out: Record<string, Parsed> = {};
      for (const [key, entry] of entries) {
        if (typeof entry !== 'string') return fail(`${path}[${key}]`, `Invalid string: ${path}[${key}]`);
        if (key.length > 40) return fail(`${path}[${key}]`, 'Metadata keys can have at most 40 characters.');
        if (entry.length > 500)
          return fail(`${path}[${key}]`, 'Metadata values can have at most 500 characters.');
        out[key] = entry;
      }
      return ok(out);
    }
  }
};

export const validateObject = (
  value: FormObject,
  fields: Readonly<Record<string, Spec>>,
  path = '',
): Result<{ [key: string]: Parsed }> => {
  const name = (key: string) => (path === '' ? key : `${path}[${key}]`);
  for (const key of Object.keys(value)) {
    if (!(key in fields))
      return fail(name(key), `Received unknown parameter: ${name(key)}`, 'parameter_unknown');
  }
  const out: { [key: string]: Parsed } = {};
  for (const [key, spec] of Object.entries(fields)) {
    const entry = value[key];
    if (entry === undefined) {
      if (spec.required === true)
        return fail(name(key), `Missing required param: ${name(key)}.`, 'parameter_missing');
      continue;
    }
    const parsed = validateValue(entry, spec, name(key));
    if (!parsed.ok) return parsed;
    out[key] = parsed.value;
  }
  return ok(out);
};
export const dec = (min: number, max: number, places: number, required = false): Spec => ({
  kind: 'decimal',
  min,
  max,
  places,
  required,
});
