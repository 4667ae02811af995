import type { Timestamp } from '@accrue/domain';
import { Timestamp as TimestampCodec } from '@accrue/domain';

/**
 * Time for the sync: the clock its commands carry as `now`, and timers for retries and polls. Injected, so tests
 * move time forward instead of sleeping.
 */
export interface SyncClock {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Calls `run` once `delayMs` of this clock's time has passed; the returned function cancels it. */
  readonly setTimer: (delayMs: number, run: () => void) => () => void;
}

export const systemSyncClock: SyncClock = {
  now: () => Date.now(),
  setTimer: (delayMs, run) => {
    // Timers longer than setTimeout's 2^31 − 1 ms limit fire early and re-check (the executor re-plans anyway).
    const handle = setTimeout(run, Math.min(Math.max(0, delayMs), 2_147_483_647));
    return () => {
      clearTimeout(handle);
    };
  },
};

/** The clock's time as a command timestamp. */
export const timestampOf = (millis: number): Timestamp => {
  const text = new Date(millis).toISOString();
  if (!TimestampCodec.is(text)) throw new Error(`the clock gave ${text}, not a timestamp`);
  return text;
};
