import type * as E from 'fp-ts/lib/Either.js';

/**
 * A decider (J. Chassaing): pure `decide` from a command and the current state to the events that record the
 * decision, or a tagged error; `evolve` folds one event into the state; `initialState` is the state of a
 * stream that has no events. An empty array of events means "nothing to do": the command's intent already holds.
 */
export interface Decider<Command, Event, State, Error> {
  readonly decide: (command: Command, state: State) => E.Either<Error, ReadonlyArray<Event>>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

/** The state after `events`, from the decider's initial state. */
export const foldEvents = <Command, Event, State, Error>(
  decider: Decider<Command, Event, State, Error>,
  events: ReadonlyArray<Event>,
): State => events.reduce(decider.evolve, decider.initialState);
