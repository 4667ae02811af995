import { createSqliteReadModelStore } from '@accrue/adapters/sqlite';
import type { ProjectedEvent, Projection, ReadModelStore } from '@accrue/projections';
import { allProjections, applyBatch } from '@accrue/projections';

/** Test support: the SQLite read-model store with the projections applied to an event log. */

/** A fresh in-memory SQLite read-model store with every projection's generation 1 live. */
export const openSqliteReadModels = async (
  projections: ReadonlyArray<Projection> = allProjections,
): Promise<ReadModelStore> => {
  const store = createSqliteReadModelStore({ path: ':memory:' });
  for (const projection of projections) {
    await store.prepare(projection, 1);
    await store.activate(projection, 1);
  }
  return store;
};

/** Applies `events` to every projection, one transaction per projection with its checkpoint, as the runner does. */
export const project = async (
  store: ReadModelStore,
  events: ReadonlyArray<ProjectedEvent>,
  projections: ReadonlyArray<Projection> = allProjections,
): Promise<void> => {
  const last = events.at(-1)?.globalPosition;
  if (last === undefined) return;
  for (const projection of projections) {
    const after = await store.checkpoint(projection.name, 1);
    await store.transaction(async (tx) => {
      await applyBatch(tx, projection, 1, events, after);
      await tx.setCheckpoint(projection, 1, last);
    });
  }
};
