import type { ExpectedVersion } from '@accrue/domain';

/** Whether a stream at `currentVersion` (0 = empty or absent) satisfies the appender's expectation. */
export const expectedVersionHolds = (expected: ExpectedVersion, currentVersion: number): boolean => {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return currentVersion === 0;
    case 'stream_exists':
      return currentVersion > 0;
    default:
      return expected === currentVersion;
  }
};
