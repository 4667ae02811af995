import type { Decider } from '../shared/decider.js';
import type { NumberSeriesCommand } from './commands.js';
import { decideNumberSeries } from './decide.js';
import type { NumberSeriesError } from './errors.js';
import type { NumberSeriesEvent } from './events.js';
import type { NumberSeriesState } from './state.js';
import { evolveNumberSeries, initialNumberSeriesState } from './state.js';

/** The number series of one tenant, series and year, as a decider (see `decideNumberSeries`). */
export const numberSeriesDecider: Decider<
  NumberSeriesCommand,
  NumberSeriesEvent,
  NumberSeriesState,
  NumberSeriesError
> = {
  decide: decideNumberSeries,
  evolve: evolveNumberSeries,
  initialState: initialNumberSeriesState,
};
