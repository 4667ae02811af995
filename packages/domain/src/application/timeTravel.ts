import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { Aggregate } from '../commandHandling/handleCommand.js';
import type { LoadedEvent } from '../commandHandling/loadStream.js';
import { loadStream } from '../commandHandling/loadStream.js';
import type { EventStore, ReadError } from '../eventStore/port.js';
import { foldLoaded } from '../commandHandling/loadStream.js';

export interface StateAsOf<Event, State> {
  readonly state: State;
  /** The events folded, oldest first. */
  readonly events: ReadonlyArray<LoadedEvent<Event>>;
  /** The stream version and global position of the last event folded (undefined: nothing yet). */
  readonly version: number;
  readonly position: bigint | undefined;
}

/** Where to stop: at a global position, or at a point in time (the caller compares, owning the clock format). */
export type AsOf =
  | { readonly _tag: 'Position'; readonly position: bigint }
  | { readonly _tag: 'Time'; readonly includes: (occurredAt: string) => boolean };

/**
 * Time travel: folds a stream's events up to a position or a time, giving the aggregate as it stood then.
 * Events are in stream order, so the fold stops at the first event past the point.
 */
export const stateAsOf =
  <Command, Event, State, Error>(
    store: EventStore,
    aggregate: Aggregate<Command, Event, State, Error>,
    streamName: string,
    asOf: AsOf,
  ): TE.TaskEither<ReadError, StateAsOf<Event, State>> =>
  async () => {
    const loaded = await loadStream(store, aggregate.events, streamName)();
    if (E.isLeft(loaded)) return loaded;
    const included: Array<LoadedEvent<Event>> = [];
    for (const event of loaded.right) {
      const inside =
        asOf._tag === 'Position'
          ? event.globalPosition <= asOf.position
          : asOf.includes(event.metadata.occurredAt);
      if (!inside) break;
      included.push(event);
    }
    return E.right({
      state: foldLoaded(aggregate.decider, included),
      events: included,
      version: included.at(-1)?.streamVersion ?? 0,
      position: included.at(-1)?.globalPosition,
    });
  };
