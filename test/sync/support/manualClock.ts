import type { SyncClock } from '../../../packages/api/src/sync/index.js';

/** A sync clock tests move by hand: retries and polls fire when time is advanced past them, never by sleeping. */
export interface ManualClock extends SyncClock {
  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  readonly advance: (ms: number) => void;
  /** Timers set and not yet fired or cancelled. */
  readonly pending: () => number;
  readonly date: () => Date;
}

export const createManualClock = (start = Date.parse('2026-11-21T10:00:00.000Z')): ManualClock => {
  let now = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => now,
    date: () => new Date(now),
    setTimer: (delayMs, run) => {
      const id = sequence++;
      timers.set(id, { at: now + Math.max(0, delayMs), run });
      return () => {
        timers.delete(id);
      };
    },
    advance: (ms) => {
      const target = now + ms;
      for (;;) {
        let next: [number, { at: number; run: () => void }] | undefined;
        for (const entry of timers)
          if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
        if (next === undefined) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].run();
      }
      now = target;
    },
    pending: () => timers.size,
  };
};
