import * as E from 'fp-ts/lib/Either.js';

import { CivilDate, addDays, daysBetween } from '../shared/civilDate.js';
import { bug } from '../shared/bug.js';
import { Timestamp } from '../shared/timestamp.js';

/**
 * Instants as milliseconds since 1970-01-01T00:00:00Z, computed from `Timestamp` text with integer arithmetic
 * (the domain never builds a `Date`). Only what retry scheduling needs: reading a timestamp with its offset,
 * adding a delay, writing the result in UTC.
 */

const EPOCH_TEXT: unknown = '1970-01-01';
const EPOCH = CivilDate.is(EPOCH_TEXT) ? EPOCH_TEXT : bug('1970-01-01 is a date');
const DAY_MS = 86_400_000;

const PARTS = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of a timestamp (fractions below a millisecond are dropped). */
export const epochMillis = (timestamp: Timestamp): number => {
  const match = PARTS.exec(timestamp);
  const date = match?.[1];
  if (match === null || date === undefined || !CivilDate.is(date))
    return bug(`timestamp ${timestamp} passed the codec but does not parse`);
  const [hours, minutes, seconds] = [match[2], match[3], match[4]].map(Number) as [number, number, number];
  const millis = Number((match[5] ?? '').padEnd(3, '0').slice(0, 3));
  const offsetMinutes =
    match[6] === 'Z' ? 0 : (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  return (
    daysBetween(EPOCH, date) * DAY_MS +
    ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 +
    millis
  );
};

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** The UTC timestamp of an instant (`2026-11-21T10:00:00.000Z`); refused outside years 0001–9999. */
export const fromEpochMillis = (millis: number): E.Either<'out_of_range', Timestamp> => {
  if (!Number.isSafeInteger(millis)) return E.left('out_of_range');
  const days = Math.floor(millis / DAY_MS);
  const date = addDays(EPOCH, days);
  if (E.isLeft(date)) return E.left('out_of_range');
  let rest = millis - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const text = `${date.right}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(rest - seconds * 1000, 3)}Z`;
  return Timestamp.is(text) ? E.right(text) : E.left('out_of_range');
};

/** `timestamp` plus `delayMs`, in UTC. */
export const addMillis = (timestamp: Timestamp, delayMs: number): E.Either<'out_of_range', Timestamp> =>
  fromEpochMillis(epochMillis(timestamp) + delayMs);

/** Whether instant `a` is at or after instant `b` (whatever offsets they are written in). */
export const isAtOrAfter = (a: Timestamp, b: Timestamp): boolean => epochMillis(a) >= epochMillis(b);
