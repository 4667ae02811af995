import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

/** A refusal of the request body, mapped to 400 by the app's error handler. */
export class BadBody extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_CTP_INVALID_JSON_BODY';
  /** The JSON path of the offending value ('' for the body as a whole). */
  constructor(
    message: string,
    readonly path = '',
  ) {
    super(message);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** No lone surrogate (native `isWellFormed`, ES2024, present in Node 20) and no NUL. */
const wellFormed = (text: string): boolean =>
  (text as string & { isWellFormed(): boolean }).isWellFormed() && !text.includes('\u0000');

/** No request of ours nests deeper than this; deeper is refused before any recursion could overflow. */
export const MAX_BODY_DEPTH = 32;

type Problem = { readonly path: string; readonly message: string };

/**
 * The first value that is not acceptable text for us (a lone surrogate or a NUL, in a string or a key), or a
 * nesting deeper than `MAX_BODY_DEPTH`. Iterative, so a hostile body cannot exhaust the stack.
 */
const findProblem = (root: unknown, checkText: boolean): Problem | undefined => {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: '', depth: 0 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      if (checkText && !wellFormed(value))
        return { path, message: 'text must be well-formed Unicode without NUL characters' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH)
      return { path, message: `nested deeper than ${String(MAX_BODY_DEPTH)} levels` };
    if (Array.isArray(value)) {
      value.forEach((item: unknown, i) =>
        pending.push({ value: item, path: `${path}[${String(i)}]`, depth: depth + 1 }),
      );
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const here = path === '' ? key : `${path}.${key}`;
      if (checkText && !wellFormed(key))
        return { path: here, message: 'keys must be well-formed Unicode without NUL characters' };
      pending.push({ value: item, path: here, depth: depth + 1 });
    }
  }
  return undefined;
};

/**
 * Strict JSON bodies. Fastify's default parser decodes bytes leniently (invalid UTF-8 becomes U+FFFD, which
 * could turn a broken body into a valid command), so the body is decoded strictly first; prototype-pollution
 * keys are refused (not silently stripped); a body must be a JSON object; strings must be well-formed text
 * without lone surrogates or NUL characters, which would break UBL XML and many clients downstream.
 */
export const registerStrictJsonParser = (app: FastifyInstance): void => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      done(new BadBody('the body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      // Declaring JSON and sending nothing is a malformed request; a body-less command sends no content type.
      done(new BadBody('the body is empty but declared as JSON'), undefined);
      return;
    }
    // Strictly decoded UTF-8 holds no lone surrogate, and JSON admits no raw control character in a string:
    // only `\u` escapes can put a surrogate or a NUL into a value, or spell `__proto__` in a key. Bodies without
    // them (nearly all) skip those scans; the others get every check.
    const escapes = text.includes('\\u');
    const suspect = escapes || text.includes('__proto__') || text.includes('constructor');
    let parsed: unknown;
    try {
      parsed = suspect
        ? secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
        : (JSON.parse(text) as unknown);
    } catch (error) {
      done(
        new BadBody(`the body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`),
        undefined,
      );
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      done(new BadBody('the body must be a JSON object'), undefined);
      return;
    }
    const problem = findProblem(parsed, escapes);
    if (problem !== undefined) {
      done(new BadBody(problem.message, problem.path), undefined);
      return;
    }
    done(null, parsed);
  });
};
