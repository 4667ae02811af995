import { describe, expect, it } from 'vitest';

import { graphql } from './graphqlRuntime.js';
import { enforceLimits, measureDocument } from './limits.js';
import { schema as sdl } from './schema.js';

const schema = graphql.buildSchema(sdl);

// A page of one invoice is within the cost limit, a page of 100 (each with a nested page of 100) is not: the
// document is the same, only the variable its cost depends on differs.
const document = graphql.parse(/* GraphQL */ `
  query ($n: Int) {
    invoices(first: $n) {
      edges {
        node {
          customer {
            account {
              statement(from: "2026-01-01", to: "2026-12-31") {
                from
              }
              invoices(first: 100) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`);

describe('query limits', () => {
  it('reuses a measure only for the same values of the variables it depended on', () => {
    const small = measureDocument(schema, document, { n: 1 });
    const large = measureDocument(schema, document, { n: 100 });
    expect(large.cost).toBeGreaterThan(small.cost);
    expect(small.cost).toBeLessThanOrEqual(10_000);
    expect(large.cost).toBeGreaterThan(10_000);

    for (let round = 0; round < 3; round++) {
      expect(() => {
        enforceLimits(schema, document, { n: 1 });
      }).not.toThrow();
      expect(() => {
        enforceLimits(schema, document, { n: 100 });
      }).toThrow(/estimated cost/);
    }
  });
});
