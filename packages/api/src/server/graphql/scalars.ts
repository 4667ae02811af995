import type * as Graphql from 'graphql';
import type { ValueNode } from 'graphql';
import type * as t from 'io-ts';

import { CivilDate, Timestamp } from '@accrue/domain';
import { YearMonth } from '@accrue/projections';

import { graphql } from './graphqlRuntime.js';

const { GraphQLError, GraphQLScalarType, Kind } = graphql;

/**
 * A string scalar checked by an io-ts codec on the way in (GraphQL input is a boundary). Invalid input is a
 * GraphQLError with code BAD_USER_INPUT, which graphql-js reports as the variable's or argument's problem.
 */
const codecScalar = <A extends string>(
  name: string,
  codec: t.Type<A, string>,
  expected: string,
): Graphql.GraphQLScalarType<A, string> => {
  const parse = (value: unknown): A => {
    const decoded = codec.decode(value);
    if (decoded._tag === 'Right') return decoded.right;
    throw new GraphQLError(`${name} must be ${expected}`, { extensions: { code: 'BAD_USER_INPUT' } });
  };
  return new GraphQLScalarType<A, string>({
    name,
    serialize: (value) => (typeof value === 'string' ? value : String(value)),
    parseValue: parse,
    parseLiteral: (node: ValueNode) => parse(node.kind === Kind.STRING ? node.value : undefined),
  });
};

export const DateScalar = codecScalar('Date', CivilDate, 'a calendar date YYYY-MM-DD');
export const YearMonthScalar = codecScalar('YearMonth', YearMonth, 'a calendar month YYYY-MM');
export const DateTimeScalar = codecScalar(
  'DateTime',
  Timestamp,
  'an ISO 8601 instant with an offset, e.g. 2026-03-01T09:30:00Z',
);

/** Output only: event data in its stored (JSON) form. */
export const JsonScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError('JSON is an output type', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
