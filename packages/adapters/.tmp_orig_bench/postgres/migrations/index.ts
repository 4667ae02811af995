import { migration0001Events } from './0001_events.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration in version order. Append new ones at the end; never reorder or edit released ones. */
export const migrations: ReadonlyArray<Migration> = [migration0001Events];
