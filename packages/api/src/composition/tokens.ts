import type { ApprovalDeps, EventStore } from '@accrue/domain';
import type { InjectionToken } from 'tsyringe';

import type { Clock, IdGenerator } from './clock.js';
import type { StoreConfig } from './storeConfig.js';

export type { Clock, IdGenerator } from './clock.js';

/** Typed tokens: resolving one gives its type without casts, and there are no decorators to lose. */
export const Tokens = {
  StoreConfig: Symbol('StoreConfig') as InjectionToken<StoreConfig>,
  EventStore: Symbol('EventStore') as InjectionToken<EventStore>,
  Clock: Symbol('Clock') as InjectionToken<Clock>,
  Ids: Symbol('Ids') as InjectionToken<IdGenerator>,
  ApprovalDeps: Symbol('ApprovalDeps') as InjectionToken<ApprovalDeps>,
} as const;
