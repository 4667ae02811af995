import * as E from 'fp-ts/lib/Either.js';

import type { JsonObject } from '../eventStore/port.js';

/**
 * Schema evolution: events are the stored format and are never rewritten. When an event's data shape changes,
 * the schema version goes up and an upcaster turns data written at the previous version into the next one;
 * reading applies every upcaster from the stored version to the current one.
 *
 * `upcasters[type][v]` upgrades data of `type` from version `v` to `v + 1`.
 */
export interface EventSchema {
  readonly currentVersion: number;
  readonly upcasters: {
    readonly [type: string]: { readonly [fromVersion: number]: (data: JsonObject) => JsonObject };
  };
}

export interface UpcastFailure {
  readonly _tag: 'UpcastFailure';
  readonly type: string;
  readonly fromVersion: number;
  readonly reason: string;
}

export const noUpcasters = (currentVersion = 1): EventSchema => ({ currentVersion, upcasters: {} });

/** Brings `data` of `type`, written at `storedVersion`, to the schema's current version. */
export const upcast = (
  schema: EventSchema,
  type: string,
  data: JsonObject,
  storedVersion: number,
): E.Either<UpcastFailure, JsonObject> => {
  if (storedVersion > schema.currentVersion) {
    return E.left({
      _tag: 'UpcastFailure',
      type,
      fromVersion: storedVersion,
      reason: 'written by a newer version of Accrue',
    });
  }
  let current = data;
  for (let version = storedVersion; version < schema.currentVersion; version++) {
    const step = schema.upcasters[type]?.[version];
    // No step means the type did not change between these versions.
    if (step !== undefined) current = step(current);
  }
  return E.right(current);
};
