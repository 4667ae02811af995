import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/lib/Either.js';

import type { Decider } from '../shared/decider.js';
import { foldEvents } from '../shared/decider.js';

/**
 * Given/when/then specifications for deciders, independent of the test runner (failures are `node:assert`
 * errors, which vitest, node:test and jest all report with a diff):
 *
 * ```ts
 * const spec = deciderSpec(invoiceDecider);
 * spec.given([created]).when(approve).then([approved]);
 * spec.given([]).when(approve).thenError('InvoiceNotFound');
 * spec.given([created, approved]).when(approve).thenNothing();
 * ```
 *
 * `then` and `thenEvents` also fold the new events into the state, so a decision that `evolve` cannot
 * apply fails the spec too.
 */
export interface DeciderSpecification<Command, Event, State, Error extends { readonly _tag: string }> {
  readonly given: (events: ReadonlyArray<Event>) => {
    readonly when: (command: Command) => DecisionAssertions<Event, State, Error>;
  };
}

export interface DecisionAssertions<Event, State, Error extends { readonly _tag: string }> {
  /** The decision as returned. */
  readonly result: E.Either<Error, ReadonlyArray<Event>>;
  /** The decision is exactly these events. */
  readonly then: (expected: ReadonlyArray<Event>) => void;
  /** The decision is some events (returned for closer inspection). */
  readonly thenEvents: () => ReadonlyArray<Event>;
  /** The state after the given events and the decided ones. */
  readonly thenState: () => State;
  /** The decision is an error with this tag (returned, narrowed, for closer inspection). */
  readonly thenError: <Tag extends Error['_tag']>(tag: Tag) => Extract<Error, { readonly _tag: Tag }>;
  /** The decision is "nothing to do": no error, no events. */
  readonly thenNothing: () => void;
}

const describeResult = (result: E.Either<{ readonly _tag: string }, ReadonlyArray<unknown>>): string =>
  E.isLeft(result)
    ? `error ${result.left._tag}: ${JSON.stringify(result.left, bigintSafe)}`
    : `events ${JSON.stringify(result.right, bigintSafe)}`;

const bigintSafe = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? `${value.toString()}n` : value;

export const deciderSpec = <Command, Event, State, Error extends { readonly _tag: string }>(
  decider: Decider<Command, Event, State, Error>,
): DeciderSpecification<Command, Event, State, Error> => ({
  given: (given) => ({
    when: (command) => {
      const before = foldEvents(decider, given);
      const result = decider.decide(command, before);
      const events = (): ReadonlyArray<Event> => {
        if (E.isLeft(result)) assert.fail(`expected events, got ${describeResult(result)}`);
        return result.right;
      };
      const after = (): State => events().reduce(decider.evolve, before);
      return {
        result,
        then: (expected) => {
          assert.deepStrictEqual(events(), expected);
          after();
        },
        thenEvents: () => {
          after();
          return events();
        },
        thenState: after,
        thenError: <Tag extends Error['_tag']>(tag: Tag) => {
          if (E.isRight(result) || result.left._tag !== tag) {
            assert.fail(`expected error ${tag}, got ${describeResult(result)}`);
          }
          const error: Error = result.left;
          const isTagged = (candidate: Error): candidate is Extract<Error, { readonly _tag: Tag }> =>
            candidate._tag === tag;
          return isTagged(error) ? error : assert.fail('unreachable');
        },
        thenNothing: () => {
          const decided = events();
          if (decided.length > 0) assert.fail(`expected nothing to do, got ${describeResult(result)}`);
        },
      };
    },
  }),
});
