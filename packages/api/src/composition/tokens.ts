import type { ApprovalDeps, EventStore } from '@accrue/domain';
import type { InjectionToken } from 'tsyringe';

import type { StoreConfig } from './storeConfig.js';

/** The clock of the process: the only place the edge reads time for commands. */
export interface Clock {
  readonly now: () => string;
}

/** Fresh ids for new invoices, payments and commands. */
export interface IdGenerator {
  readonly next: () => string;
}

/** Typed tokens: resolving one gives its type without casts, and there are no decorators to lose. */
export const Tokens = {
  StoreConfig: Symbol('StoreConfig') as InjectionToken<StoreConfig>,
  EventStore: Symbol('EventStore') as InjectionToken<EventStore>,
  Clock: Symbol('Clock') as InjectionToken<Clock>,
  Ids: Symbol('Ids') as InjectionToken<IdGenerator>,
  ApprovalDeps: Symbol('ApprovalDeps') as InjectionToken<ApprovalDeps>,
} as const;
