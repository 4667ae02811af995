/**
 * Signals a programmer error: an invariant the types or codecs already guarantee was broken (a cast that
 * bypassed a codec, an exhaustive switch that was not). Domain rules never end here: they return tagged
 * errors. This is the one place in the pure zone allowed to throw.
 */
export const bug = (message: string): never => {
  // eslint-disable-next-line no-restricted-syntax -- programmer errors are the documented exception
  throw new Error(`Accrue internal error: ${message}`);
};
