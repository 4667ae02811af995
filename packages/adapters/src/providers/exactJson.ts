import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * JSON with exact numbers, for providers that put decimal amounts in JSON numbers (Incard, Dollr): a JSON
 * number is text, and going through a JS `number` would turn `0.1 + 0.2`-style drift or 17-digit amounts into
 * wrong money. `parseExactJson` keeps every number token as its source text (`JsonNumber`), and
 * `stringifyExactJson` writes a `JsonNumber` back as a bare number token, so amounts travel as decimal text
 * end to end. (Node 20 has neither `JSON.rawJSON` nor the reviver's source text.)
 */

const NUMBER_PATTERN = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** A JSON number token, kept as its source text. */
export class JsonNumber {
  private constructor(readonly text: string) {}

  /** A number token from text; `undefined` when the text is not a JSON number. */
  static of(text: string): JsonNumber | undefined {
    return NUMBER_PATTERN.test(text) ? new JsonNumber(text) : undefined;
  }

  /** A literal the caller controls (a formatted amount, a bigint); a bad one is a programmer bug. */
  static unsafe(text: string): JsonNumber {
    const value = JsonNumber.of(text);
    if (value === undefined) throw new Error(`not a JSON number: ${text}`);
    return value;
  }
}

/** Nesting bound: provider answers are small, and a hostile body must not cost a deep recursion. */
const MAX_DEPTH = 64;

/**
 * A recursive-descent reader. It signals malformed input by throwing a `SyntaxError`, which never leaves this
 * module: `parseExactJson` turns it into a `Left`.
 */
class Parser {
  private index = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value(0);
    this.whitespace();
    if (this.index !== this.text.length) this.fail('trailing characters');
    return value;
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at ${this.index}`);
  }

  private whitespace(): void {
    while (this.index < this.text.length) {
      const c = this.text.charCodeAt(this.index);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.index += 1;
      else return;
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.whitespace();
    const c = this.text[this.index];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private literal<A>(word: string, value: A): A {
    if (!this.text.startsWith(word, this.index)) this.fail('unexpected token');
    this.index += word.length;
    return value;
  }

  private object(depth: number): Record<string, unknown> {
    // A null-prototype record: a `__proto__` key from the provider stays data.
    const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    this.index += 1;
    this.whitespace();
    if (this.text[this.index] === '}') {
      this.index += 1;
      return result;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.index] !== '"') this.fail('expected a key');
      const key = this.string();
      this.whitespace();
      if (this.text[this.index] !== ':') this.fail('expected ":"');
      this.index += 1;
      result[key] = this.value(depth + 1);
      this.whitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === '}') return result;
      if (next !== ',') this.fail('expected "," or "}"');
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.index += 1;
    this.whitespace();
    if (this.text[this.index] === ']') {
      this.index += 1;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.whitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === ']') return result;
      if (next !== ',') this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    const start = this.index;
    this.index += 1;
    for (;;) {
      const c = this.text.charCodeAt(this.index);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      this.index += c === 0x5c ? 2 : 1;
    }
    this.index += 1;
    // The token is a valid JSON string literal once delimited; JSON.parse decodes its escapes exactly.
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  private number(): JsonNumber {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.index, this.index + 400),
    );
    if (match === null) this.fail('unexpected token');
    this.index += match[0].length;
    return JsonNumber.unsafe(match[0]);
  }
}

/** Parses JSON text; every number becomes a `JsonNumber`, objects have no prototype. */
export const parseExactJson = (text: string): E.Either<string, unknown> =>
  E.tryCatch(
    () => new Parser(text).parseDocument(),
    (error) => (error instanceof Error ? error.message : 'not JSON'),
  );

/**
 * Writes JSON with `JsonNumber`s (and `bigint`s) as bare number tokens. Plain `number`s are accepted only as
 * safe integers (counts, ids); `undefined` object fields are left out.
 */
export const stringifyExactJson = (value: unknown): string => {
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`refusing to write a non-integer JS number: ${value}`);
    return String(value);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyExactJson).join(',')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([name, field]) => `${JSON.stringify(name)}:${stringifyExactJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  throw new Error(`cannot write ${typeof value} as JSON`);
};

/** A JSON number read by `parseExactJson`, decoded to its exact source text (e.g. `"150.00"`, `"1e3"`). */
export const ExactNumber = new t.Type<string, JsonNumber, unknown>(
  'ExactNumber',
  (u): u is string => typeof u === 'string' && NUMBER_PATTERN.test(u),
  (u, context) =>
    u instanceof JsonNumber ? t.success(u.text) : t.failure(u, context, 'expected a JSON number'),
  (text) => JsonNumber.unsafe(text),
);

/** A JSON integer read by `parseExactJson` (ids, quantities), as a JS number when it is a safe integer. */
export const ExactInteger = new t.Type<number, JsonNumber, unknown>(
  'ExactInteger',
  (u): u is number => Number.isSafeInteger(u),
  (u, context) => {
    if (!(u instanceof JsonNumber) || !/^-?(0|[1-9][0-9]*)$/.test(u.text))
      return t.failure(u, context, 'expected an integer');
    const value = Number(u.text);
    return Number.isSafeInteger(value) ? t.success(value) : t.failure(u, context, 'integer out of range');
  },
  (value) => JsonNumber.unsafe(String(value)),
);
