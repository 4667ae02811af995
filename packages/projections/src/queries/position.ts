import type { ReadModelStore } from '../model/readModelStore.js';

/**
 * The log position every live read model reflects: the lowest checkpoint among the live projections. Undefined
 * when there is no live projection, or one has applied nothing yet (then nothing is guaranteed). An answer built
 * from the read models is at least this fresh; a client that wrote at position p may wait until this is ≥ p.
 */
export const readModelPosition = async (store: ReadModelStore): Promise<bigint | undefined> => {
  const statuses = await store.statuses();
  if (statuses.length === 0) return undefined;
  let lowest: bigint | undefined;
  for (const status of statuses) {
    if (status.position === undefined) return undefined;
    if (lowest === undefined || status.position < lowest) lowest = status.position;
  }
  return lowest;
};
