import * as t from 'io-ts';

import { bug } from './bug.js';
import { CivilDate } from './civilDate.js';

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`: an instant with an explicit offset, never a local time that
 * would depend on where it is read. No leap second (60), which most parsers downstream refuse.
 */
const TIMESTAMP_PATTERN =
  /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;

export interface TimestampBrand {
  readonly Timestamp: unique symbol;
}

/** An ISO 8601 timestamp with an offset (`2026-03-01T09:30:00Z`), as commands carry `now`. */
export const Timestamp = t.brand(
  t.string,
  (text): text is t.Branded<string, TimestampBrand> => {
    const match = TIMESTAMP_PATTERN.exec(text);
    return match !== null && CivilDate.is(match[1]);
  },
  'Timestamp',
);
export type Timestamp = t.TypeOf<typeof Timestamp>;

/**
 * The calendar date of a timestamp as written, in the offset it carries: `2026-03-01T23:30:00-05:00` is
 * 1 March for whoever wrote it, though it is 2 March in UTC. The clock that fills `now` decides whose day it is.
 */
export const civilDateOf = (timestamp: Timestamp): CivilDate => {
  const date = timestamp.slice(0, 10);
  return CivilDate.is(date) ? date : bug(`timestamp ${timestamp} passed the codec without a date`);
};
