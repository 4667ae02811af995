import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';

import { graphql } from './graphqlRuntime.js';

/**
 * The `extensions.code` of every GraphQL error this API returns. Request-level refusals (the query cannot run
 * at all) answer HTTP 400 with no data; resolver-level ones answer 200 with `data` and `errors` side by side.
 */
export type GraphqlErrorCode =
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'BAD_USER_INPUT'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX'
  | 'READ_MODEL_BEHIND'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** An error meant for the client: its message and extensions are shown as they are. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly extensions: Readonly<Record<string, unknown>> & { readonly code: GraphqlErrorCode };
  constructor(
    message: string,
    code: GraphqlErrorCode,
    readonly statusCode: number = 200,
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.extensions = { ...details, code };
  }
}

export const badUserInput = (message: string, details: Readonly<Record<string, unknown>> = {}): ClientError =>
  new ClientError(message, 'BAD_USER_INPUT', 200, details);

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null;

/** Mercurius wraps request-level failures (parse, validation, variables) in an error whose `errors` lists them. */
const innerErrors = (error: unknown): ReadonlyArray<unknown> | undefined => {
  if (!isRecord(error)) return undefined;
  const inner = error['errors'];
  return Array.isArray(inner) ? inner : undefined;
};

/**
 * The `extensions.code` of a GraphQL error. graphql-jit (mercurius with `jit`) builds its errors without
 * `extensions` although the type promises them, so a bad variable on a compiled query would otherwise crash
 * the formatter and be answered as an internal error.
 */
const codeOf = (error: GraphQLError): unknown =>
  (error.extensions as Readonly<Record<string, unknown>> | undefined)?.['code'];

interface Formatted {
  readonly error: GraphQLFormattedError;
  /** True when the query could not run at all: answered with `status` and no data. */
  readonly requestLevel: boolean;
  readonly status: number;
}

const withCode = (
  error: GraphQLError,
  code: GraphqlErrorCode,
  message = error.message,
): GraphQLFormattedError => {
  const json = error.toJSON();
  return { ...json, message, extensions: { ...(json.extensions ?? {}), code } };
};

/**
 * One error as the client sees it. Only errors built for the client (ClientError) and errors of the query itself
 * (syntax, validation, variable coercion: graphql-js errors with no underlying cause) keep their message;
 * anything else is an internal failure, logged with its cause and answered with a generic message.
 */
const formatOne = (error: unknown, log: FastifyBaseLogger): ReadonlyArray<Formatted> => {
  const graphqlError =
    error instanceof graphql.GraphQLError
      ? error
      : new graphql.GraphQLError(error instanceof Error ? error.message : String(error), {
          originalError: error instanceof Error ? error : undefined,
        });
  const original: unknown = graphqlError.originalError;
  const inner = innerErrors(original);
  if (inner !== undefined) return inner.flatMap((item) => formatOne(item, log));
  if (original instanceof ClientError) {
    const json = graphqlError.toJSON();
    return [
      {
        error: { ...json, message: original.message, extensions: { ...original.extensions } },
        requestLevel: original.statusCode >= 400,
        status: original.statusCode,
      },
    ];
  }
  // graphql-js' own errors (syntax, validation, variable coercion, our scalars' refusals) may wrap one another;
  // without a cause outside graphql-js they are about the query, never about the server.
  let cause: unknown = original;
  let given: unknown = codeOf(graphqlError);
  while (cause instanceof graphql.GraphQLError) {
    given ??= codeOf(cause);
    cause = cause.originalError;
  }
  if (cause === undefined) {
    const requestLevel = graphqlError.path === undefined;
    if (given === 'BAD_USER_INPUT' || graphqlError.message.startsWith('Variable '))
      return [{ error: withCode(graphqlError, 'BAD_USER_INPUT'), requestLevel, status: 400 }];
    if (graphqlError.message.startsWith('Syntax Error'))
      return [{ error: withCode(graphqlError, 'GRAPHQL_PARSE_FAILED'), requestLevel: true, status: 400 }];
    return [{ error: withCode(graphqlError, 'GRAPHQL_VALIDATION_FAILED'), requestLevel, status: 400 }];
  }
  log.error({ err: original }, 'graphql: unexpected error');
  return [
    {
      error: withCode(
        graphqlError,
        'INTERNAL_SERVER_ERROR',
        'an unexpected error occurred; quote the request id to support',
      ),
      requestLevel: false,
      status: 500,
    },
  ];
};

/**
 * Mercurius' error formatter: every error gets an `extensions.code`, internals never leave the process, and a
 * request that could not run at all answers 400.
 */
export const formatErrors = (
  execution: ExecutionResult & { readonly errors: ReadonlyArray<GraphQLError> },
  log: FastifyBaseLogger,
): { statusCode: number; response: FormattedExecutionResult } => {
  const formatted = execution.errors.flatMap((error) => formatOne(error, log));
  const data = execution.data ?? null;
  // A query refused as a whole answers the status its refusal carries (400; 503 for a read model behind).
  const statuses = formatted.filter((entry) => entry.requestLevel).map((entry) => entry.status);
  return {
    statusCode: data === null && statuses.length > 0 ? Math.max(...statuses) : 200,
    response: { data, errors: formatted.map((entry) => entry.error) },
  };
};
