/** A clock tests move by hand: token expiry without sleeping. */
export interface TestClock {
  readonly now: () => Date;
  readonly advance: (ms: number) => void;
}

export const testClock = (start = new Date('2026-11-02T09:00:00.000Z')): TestClock => {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
};
