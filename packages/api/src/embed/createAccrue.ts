import { randomUUID } from 'node:crypto';

import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { ClientBase } from 'pg';

import type { CorruptEvent, RoundingMode, StoreUnavailable } from '@accrue/domain';
import {
  RoundingMode as RoundingModeCodec,
  StoreFailure,
  TenantId,
  createKeyedMutex,
  storeUnavailable,
} from '@accrue/domain';
import type { RunningSubscription } from '@accrue/projections';
import { allProjections, createProjectionRunner, createReadModelQueries } from '@accrue/projections';

import type { Clock, IdGenerator } from '../composition/clock.js';
import type { Backend } from './backend.js';
import type { InvalidInput, InputIssue } from './errors.js';
import { AccrueError } from './errors.js';
import { invalidInput } from './input.js';
import type { InvoiceOperationsFp } from './operations.js';
import { createInvoiceOperations } from './operations.js';
import type { PromiseApi } from './promiseApi.js';
import { toPromiseApi } from './promiseApi.js';
import type { ReadModelOperationsFp } from './queries.js';
import { createReadModelOperations } from './queries.js';
import type { AccrueStore, MemoryStore, PostgresStore, SqliteStore } from './stores.js';
import { openBackend } from './stores.js';
import type {
  EventHandler,
  EventHandlerFp,
  SubscribeOptions,
  Subscription,
  SubscriptionFp,
} from './subscribe.js';
import { subscribeFp, subscribePromise } from './subscribe.js';

/** What `createAccrue` needs: only the store; everything else has a default. */
export interface AccrueOptions<S extends AccrueStore = AccrueStore> {
  /** Where the log, read models and subscription checkpoints live (`memoryStore`, `sqliteStore`, `postgresStore`). */
  readonly store: S;
  /** The time commands carry as `now` (default: the system clock, UTC). Inject a fixed clock in tests. */
  readonly clock?: Clock;
  /** Fresh ids for invoices, payments, credit notes and commands when the caller gives none (default: UUIDs). */
  readonly ids?: IdGenerator;
  /** The rounding mode of drafts that name none (default: the domain's, half away from zero). */
  readonly rounding?: RoundingMode;
  /** The tenant operations act for unless they say otherwise (default `default`). */
  readonly tenantId?: string;
  /** Who commands are recorded as coming from unless they say otherwise (default `embedded`). */
  readonly actor?: string;
}

/** Every operation as a TaskEither with tagged errors: commands, the invoice's history, and the read models. */
export interface AccrueOperationsFp extends InvoiceOperationsFp, ReadModelOperationsFp {}

/** The fp-ts API: the operations, and `subscribe` with a TaskEither handler. */
export interface AccrueFp extends AccrueOperationsFp {
  /**
   * Delivers committed events to `handler` in global order, at least once, with a durable checkpoint per
   * `options.name` written only after the handler's task returned right. See `Accrue.subscribe`.
   */
  subscribe(handler: EventHandlerFp, options: SubscribeOptions): SubscriptionFp;
}

/**
 * An embedded Accrue. Every operation returns a promise of its result, rejecting with an `AccrueError` whose
 * `error` is the tagged error; `fp` has the same operations as TaskEithers. Both run the same code.
 */
export interface Accrue extends PromiseApi<AccrueOperationsFp> {
  /** The same operations as TaskEithers with tagged errors (never rejecting). */
  readonly fp: AccrueFp;
  /**
   * In-process reactions: delivers every committed Accrue event to `handler`, in global order, at least once.
   * The checkpoint for `options.name` is stored in the store's own database and moved past an event only after
   * the handler resolved, so after a crash or restart the subscription resumes there and may deliver the last
   * event again: make handlers idempotent. A handler that rejects stops the subscription (see `closed`).
   */
  subscribe(handler: EventHandler, options: SubscribeOptions): Subscription;
  /** Stops the subscriptions (finishing the events in hand), then closes the store's connections and files. */
  close(): Promise<void>;
}

/** The operations that run inside an embedder's transaction, as TaskEithers. */
export type AccrueTransactionFp = InvoiceOperationsFp;

/**
 * Operations inside the embedder's own PostgreSQL transaction: events, number reservations and read-model
 * updates go through the embedder's client and commit or roll back with its own rows. The transaction must
 * be open (`BEGIN`) and READ COMMITTED; after any failure, roll it back.
 */
export interface AccrueTransaction extends PromiseApi<AccrueTransactionFp> {
  /** The same operations as TaskEithers with tagged errors. */
  readonly fp: AccrueTransactionFp;
}

/** An Accrue on PostgreSQL: it can also work inside the embedder's own transactions. */
export interface PostgresAccrue extends Accrue {
  /**
   * The commands (and history, as-of) bound to `client`, a `pg` client inside a transaction the embedder
   * opened. Nothing here begins, commits or rolls back: the embedder does. Append locks are held until the
   * embedder's transaction ends, so keep it short. Take one scope per transaction; after a failed operation,
   * roll the transaction back (a failed statement may have aborted it).
   */
  withinTransaction(client: ClientBase): AccrueTransaction;
}

const DEFAULT_TENANT = 'default';
const DEFAULT_ACTOR = 'embedded';

const systemClock: Clock = { now: () => new Date().toISOString() };
const randomIds: IdGenerator = { next: () => randomUUID() };

const checkOptions = (options: AccrueOptions): E.Either<InvalidInput, void> => {
  const issues: InputIssue[] = [];
  if (!TenantId.is(options.tenantId ?? DEFAULT_TENANT))
    issues.push({ path: 'tenantId', message: 'expected an identifier (letters, digits, _ . : -)' });
  if ((options.actor ?? DEFAULT_ACTOR).trim() === '')
    issues.push({ path: 'actor', message: 'expected a name' });
  if (options.rounding !== undefined && !RoundingModeCodec.is(options.rounding))
    issues.push({ path: 'rounding', message: 'expected a rounding mode, e.g. half_away_from_zero' });
  return issues.length === 0 ? E.right(undefined) : E.left(invalidInput('createAccrue', issues));
};

const storeFailureOf = (operation: string, cause: unknown): StoreUnavailable | CorruptEvent =>
  cause instanceof StoreFailure && cause.failure._tag !== 'VersionConflict'
    ? cause.failure
    : storeUnavailable(operation, cause);

const assemble = async (options: AccrueOptions, backend: Backend): Promise<PostgresAccrue | Accrue> => {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const actor = options.actor ?? DEFAULT_ACTOR;
  const rounding = options.rounding;

  const runner = createProjectionRunner({
    events: backend.events,
    readModels: backend.readModels,
    projections: allProjections,
  });
  await runner.initialise();
  await runner.catchUp();

  const subscriptions = new Set<RunningSubscription>();
  const subscriptionDeps = {
    events: backend.events,
    checkpoints: backend.checkpoints,
    track: (running: RunningSubscription) => {
      subscriptions.add(running);
      void running.ended.then(() => subscriptions.delete(running));
    },
  };

  const fpOperations: AccrueOperationsFp = {
    ...createInvoiceOperations({
      store: backend.events,
      seriesLocks: createKeyedMutex(),
      clock,
      ids,
      tenantId,
      actor,
      rounding,
    }),
    ...createReadModelOperations({
      queries: createReadModelQueries(backend.readModels),
      catchUp: () =>
        pipe(
          TE.tryCatch(
            () => runner.catchUp(),
            (cause) => storeFailureOf('read-model catch-up', cause),
          ),
          TE.map(() => undefined),
        ),
      tenantId,
    }),
  };
  const fp: AccrueFp = {
    ...fpOperations,
    subscribe: (handler, subscribeOptions) => subscribeFp(subscriptionDeps, handler, subscribeOptions),
  };

  let closing: Promise<void> | undefined;
  const accrue: Accrue = {
    ...toPromiseApi(fpOperations),
    fp,
    subscribe: (handler, subscribeOptions) => subscribePromise(subscriptionDeps, handler, subscribeOptions),
    close: () => {
      closing ??= (async () => {
        await Promise.all([...subscriptions].map((running) => running.stop()));
        await runner.stop();
        await backend.close();
      })();
      return closing;
    },
  };

  const transactions = backend.transactions;
  if (transactions === undefined) return accrue;
  return {
    ...accrue,
    withinTransaction: (client) => {
      // Checked once per scope (until it passes): the client is in an open READ COMMITTED transaction.
      let usable: Promise<E.Either<StoreUnavailable, void>> | undefined;
      const before = (): TE.TaskEither<StoreUnavailable, void> => async () => {
        usable ??= transactions.checkWithin(client)();
        const checked = await usable;
        if (E.isLeft(checked)) usable = undefined;
        return checked;
      };
      const scoped = createInvoiceOperations({
        store: transactions.storeWithin(client),
        // A fresh queue per transaction: a process-wide one could make two transactions wait on each other
        // through it while PostgreSQL's append lock makes them wait the other way.
        seriesLocks: createKeyedMutex(),
        clock,
        ids,
        tenantId,
        actor,
        rounding,
        before,
        afterAppend: () => transactions.inlineWithin(client),
      });
      return { ...toPromiseApi(scoped), fp: scoped };
    },
  };
};

const open = async (
  options: AccrueOptions,
): Promise<E.Either<InvalidInput | StoreUnavailable | CorruptEvent, PostgresAccrue | Accrue>> => {
  const checked = checkOptions(options);
  if (E.isLeft(checked)) return checked;
  let backend: Backend;
  try {
    backend = await openBackend(options.store);
  } catch (cause) {
    return E.left(storeFailureOf('createAccrue', cause));
  }
  try {
    return E.right(await assemble(options, backend));
  } catch (cause) {
    await backend.close().catch(() => undefined);
    return E.left(storeFailureOf('createAccrue', cause));
  }
};

/**
 * Opens Accrue on a store and returns its operations: the library entry point for embedders.
 *
 * Opening migrates the store, prepares the read models and catches them up with the log. It rejects with an
 * `AccrueError` (`InvalidInput` for bad options, `StoreUnavailable` when the store cannot be opened).
 *
 * ```ts
 * const accrue = await createAccrue({ store: postgresStore({ connectionString }) });
 * const draft = await accrue.createDraft({ customer, currency: 'EUR', lines });
 * const approved = await accrue.approve(draft.invoiceId);
 * ```
 *
 * On PostgreSQL the result also has `withinTransaction(client)`. No dependency-injection container is
 * involved: everything is passed in `options`.
 */
export function createAccrue(options: AccrueOptions<PostgresStore>): Promise<PostgresAccrue>;
export function createAccrue(options: AccrueOptions<MemoryStore | SqliteStore>): Promise<Accrue>;
export function createAccrue(options: AccrueOptions): Promise<Accrue | PostgresAccrue>;
export async function createAccrue(options: AccrueOptions): Promise<Accrue | PostgresAccrue> {
  const opened = await open(options);
  if (E.isLeft(opened)) throw new AccrueError(opened.left);
  return opened.right;
}

/** `createAccrue` as a TaskEither: right with the opened Accrue, left with `InvalidInput` or a store failure. */
export function createAccrueFp(
  options: AccrueOptions<PostgresStore>,
): TE.TaskEither<InvalidInput | StoreUnavailable | CorruptEvent, PostgresAccrue>;
export function createAccrueFp(
  options: AccrueOptions<MemoryStore | SqliteStore>,
): TE.TaskEither<InvalidInput | StoreUnavailable | CorruptEvent, Accrue>;
export function createAccrueFp(
  options: AccrueOptions,
): TE.TaskEither<InvalidInput | StoreUnavailable | CorruptEvent, Accrue | PostgresAccrue>;
export function createAccrueFp(
  options: AccrueOptions,
): TE.TaskEither<InvalidInput | StoreUnavailable | CorruptEvent, Accrue | PostgresAccrue> {
  return () => open(options);
}
