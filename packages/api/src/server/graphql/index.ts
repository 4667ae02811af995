import type { FastifyInstance } from 'fastify';

import type { AppDeps } from '../app.js';

/** The GraphQL read API at `/graphql`, GraphiQL at `/graphiql`. */
export const registerGraphql = async (_app: FastifyInstance, _deps: AppDeps): Promise<void> => {
  // Filled in by the GraphQL work.
};
