import { createRequire } from 'node:module';

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type * as GraphqlJit from 'graphql-jit';

import { graphql } from './graphqlRuntime.js';
import { enforceLimits } from './limits.js';

// graphql-jit requires graphql-js itself: loaded the same way as `graphqlRuntime`, it shares mercurius's instance.
const jit = createRequire(import.meta.url)('graphql-jit') as typeof GraphqlJit;

/**
 * `x-accrue-graphql-pipeline: full` sends a request through mercurius's full pipeline even when the fast path
 * could answer it: for diagnosis, and for the test that holds the two to the same answers. Answers of the fast
 * path carry `x-accrue-graphql-pipeline: fast`.
 */
export const FULL_PIPELINE_HEADER = 'x-accrue-graphql-pipeline';

/** How many distinct query texts keep their compiled form (least recently used ones are dropped). */
const MAX_COMPILED = 500;

type Entry =
  | {
      readonly fast: true;
      readonly schema: GraphQLSchema;
      readonly document: DocumentNode;
      readonly compiled: GraphqlJit.CompiledQuery;
    }
  | { readonly fast: false; readonly schema: GraphQLSchema };

export interface FastQueryDeps {
  /** The executable schema mercurius built (resolvers attached). */
  readonly schema: () => GraphQLSchema;
  /**
   * Waits for the read-your-writes position the request asks for and gives the position the answer reflects;
   * `undefined` means "let the full pipeline answer" (it produces the error).
   */
  readonly position: (
    request: FastifyRequest,
  ) => Promise<{ readonly position: bigint | undefined } | undefined>;
}

interface GraphqlBody {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly operationName?: string;
}

const bodyOf = (request: FastifyRequest): GraphqlBody | undefined => {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string') return undefined;
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  )
    return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return undefined;
  return {
    query,
    ...(variables === undefined || variables === null
      ? {}
      : { variables: variables as Readonly<Record<string, unknown>> }),
    ...(typeof operationName === 'string' ? { operationName } : {}),
  };
};

/**
 * The hot path of `POST /graphql` for what almost every request is: a valid query, already seen, that resolves
 * without errors. It runs the query compiled by graphql-jit (the same compiler mercurius uses with `jit`), with
 * the same limits, read-your-writes wait and `extensions.position`, and serialises the answer with the
 * query's own compiled serialiser instead of generic `JSON.stringify`. It answers nothing on anything else —
 * a new or invalid query, a mutation or subscription, variables that do not coerce, a resolver error, a limit
 * exceeded — and the request goes on to mercurius, whose answer (and error formatting) is then the only one.
 * Read-only queries may run twice on that path; that costs time, never correctness.
 *
 * Why: mercurius's per-request pipeline (context building, hooks, generic serialisation) cost as much as the
 * query itself; the read API is held to half the throughput of a bare route (ADR 10).
 */
export const createFastQuery = (deps: FastQueryDeps) => {
  const entries = new Map<string, Entry>();

  const entryFor = (schema: GraphQLSchema, body: GraphqlBody): Entry => {
    // Keyed by the query text itself when it names no operation (the usual case): no copy of a long text.
    const key = body.operationName === undefined ? body.query : `${body.operationName}\u0000${body.query}`;
    const known = entries.get(key);
    if (known?.schema === schema) {
      // Refresh its place in the LRU order.
      entries.delete(key);
      entries.set(key, known);
      return known;
    }
    const entry = compile(schema, body);
    entries.set(key, entry);
    if (entries.size > MAX_COMPILED) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    return entry;
  };

  const compile = (schema: GraphQLSchema, body: GraphqlBody): Entry => {
    const slow: Entry = { fast: false, schema };
    let document: DocumentNode;
    try {
      document = graphql.parse(body.query);
    } catch {
      return slow;
    }
    if (graphql.validate(schema, document).length > 0) return slow;
    const operation = graphql.getOperationAST(document, body.operationName);
    if (operation?.operation !== graphql.OperationTypeNode.QUERY) return slow;
    // The compiled serialiser (fast-json-stringify) knows only the built-in scalars; a query that selects one of
    // ours (Date, DateTime, JSON…) is serialised with JSON.stringify instead.
    for (const customJSONSerializer of [true, false]) {
      const compiled = jit.compileQuery(schema, document, body.operationName, { customJSONSerializer });
      if (jit.isCompiledQuery(compiled)) return { fast: true, schema, document, compiled };
    }
    return slow;
  };

  /** Answers the request, or returns `false` to let mercurius answer it. */
  return async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (request.validationError !== undefined || request.headers[FULL_PIPELINE_HEADER] === 'full')
      return false;
    const body = bodyOf(request);
    if (body === undefined) return false;
    const schema = deps.schema();
    const entry = entryFor(schema, body);
    if (!entry.fast) return false;
    try {
      enforceLimits(schema, entry.document, body.variables);
    } catch {
      return false;
    }
    const at = await deps.position(request);
    if (at === undefined) return false;
    const result = await entry.compiled.query(
      undefined,
      { tenantId: request.tenantId, reply },
      body.variables,
    );
    if (result.errors !== undefined && result.errors.length > 0) return false;
    const json = entry.compiled.stringify({ data: result.data });
    const position = at.position === undefined ? 'null' : `"${at.position.toString()}"`;
    // `{"data":…}` → `{"data":…,"extensions":{"position":…}}`: the compiled serialiser knows only `data`.
    const payload = `${json.slice(0, -1)},"extensions":{"position":${position}}}`;
    await reply
      .code(200)
      .header(FULL_PIPELINE_HEADER, 'fast')
      .type('application/json; charset=utf-8')
      .send(payload);
    return true;
  };
};
