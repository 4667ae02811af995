import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import { storeUnavailable } from '@accrue/domain';
import type { SubscriptionCheckpoints } from '@accrue/projections';

/**
 * Subscription checkpoints for the memory store: a map that lives as long as the process, like the memory
 * event store itself (so "durable" means: for as long as the events are).
 */
export const createMemorySubscriptionCheckpoints = (): SubscriptionCheckpoints => {
  const positions = new Map<string, bigint>();
  let closed = false;
  const open =
    <A>(run: () => A): TE.TaskEither<ReturnType<typeof storeUnavailable>, A> =>
    () =>
      Promise.resolve(
        closed ? E.left(storeUnavailable('subscription checkpoints', new Error('closed'))) : E.right(run()),
      );
  return {
    load: (name) => open(() => positions.get(name)),
    save: (name, position) =>
      open(() => {
        positions.set(name, position);
      }),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
};
