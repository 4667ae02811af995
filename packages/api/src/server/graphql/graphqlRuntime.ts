import { createRequire } from 'node:module';

import type * as Graphql from 'graphql';

/**
 * graphql-js, the one instance mercurius uses. graphql 16 ships a CommonJS and an ES module build without an
 * `exports` map: Node loads the CommonJS one for every importer, but a bundling test runner (Vite's `module`
 * field) hands ES importers the other, and graphql-js refuses types from a second instance ("another module
 * or realm"). Requiring it keeps this module on the instance mercurius requires, under every runner.
 */
export const graphql: typeof Graphql = createRequire(import.meta.url)('graphql') as typeof Graphql;
