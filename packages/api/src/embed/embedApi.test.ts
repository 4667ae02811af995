import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { ClientBase } from 'pg';
import { describe, expectTypeOf, it } from 'vitest';

import type { InvoiceDetailView, InvoiceConnection, AgingReport } from '@accrue/projections';

import type {
  Accrue,
  AccrueError,
  AccrueEvent,
  AccrueFailure,
  AccrueOperationsFp,
  AccrueOptions,
  AccrueStore,
  AccrueTransaction,
  ApproveError,
  Clock,
  CommandOptions,
  CreateDraftInput,
  CreditNoteResult,
  GetInvoiceError,
  HistoryError,
  IdGenerator,
  InvoiceAsOf,
  InvoiceCommandError,
  InvoiceCommandResult,
  InvoiceHistoryEntry,
  InvoiceOperationsFp,
  IssueCreditNoteError,
  ListInvoicesFailure,
  PostgresAccrue,
  QueryError,
  Subscription,
  SubscriptionFailure,
  SubscriptionFp,
} from './index.js';
import { createAccrue, createAccrueFp, memoryStore, postgresStore, sqliteStore } from './index.js';

/**
 * Type tests: they pin the public shapes of `@accrue/api/embed`. The assertions are checked by the compiler
 * (`pnpm typecheck` compiles this file); at run time they are no-ops.
 */

type RightOf<T> = T extends TE.TaskEither<unknown, infer R> ? R : never;

describe('@accrue/api/embed types', () => {
  it('createAccrue takes the store and optional clock, ids, rounding, tenant and actor', () => {
    expectTypeOf<AccrueOptions>().toEqualTypeOf<{
      readonly store: AccrueStore;
      readonly clock?: Clock;
      readonly ids?: IdGenerator;
      readonly rounding?: 'half_away_from_zero' | 'half_up' | 'half_even' | 'half_down' | 'half_toward_zero';
      readonly tenantId?: string;
      readonly actor?: string;
    }>();
    expectTypeOf<Clock>().toEqualTypeOf<{ readonly now: () => string }>();
    expectTypeOf<IdGenerator>().toEqualTypeOf<{ readonly next: () => string }>();
  });

  it('returns a PostgresAccrue for PostgreSQL (with transactions) and an Accrue otherwise', () => {
    const onPostgres = () => createAccrue({ store: postgresStore({ connectionString: 'postgres://x' }) });
    const onSqlite = () => createAccrue({ store: sqliteStore('./accrue.db') });
    const inMemory = () => createAccrue({ store: memoryStore() });
    expectTypeOf(onPostgres).returns.resolves.toEqualTypeOf<PostgresAccrue>();
    expectTypeOf(onSqlite).returns.resolves.toEqualTypeOf<Accrue>();
    expectTypeOf(inMemory).returns.resolves.toEqualTypeOf<Accrue>();
    expectTypeOf<Accrue>().not.toHaveProperty('withinTransaction');
    expectTypeOf<PostgresAccrue['withinTransaction']>().parameters.toEqualTypeOf<[client: ClientBase]>();
    expectTypeOf<PostgresAccrue['withinTransaction']>().returns.toEqualTypeOf<AccrueTransaction>();
    const fp = () => createAccrueFp({ store: postgresStore({ connectionString: 'postgres://x' }) });
    expectTypeOf(fp).returns.toEqualTypeOf<
      TE.TaskEither<
        Extract<AccrueFailure, { _tag: 'InvalidInput' | 'StoreUnavailable' | 'CorruptEvent' }>,
        PostgresAccrue
      >
    >();
  });

  it('gives TaskEithers with tagged errors under fp', () => {
    expectTypeOf<Accrue['fp']['createDraft']>().parameters.toEqualTypeOf<
      [input: CreateDraftInput, options?: CommandOptions]
    >();
    expectTypeOf<Accrue['fp']['createDraft']>().returns.toEqualTypeOf<
      TE.TaskEither<InvoiceCommandError, InvoiceCommandResult>
    >();
    expectTypeOf<Accrue['fp']['approve']>().returns.toEqualTypeOf<
      TE.TaskEither<ApproveError, InvoiceCommandResult>
    >();
    expectTypeOf<Accrue['fp']['issueCreditNote']>().returns.toEqualTypeOf<
      TE.TaskEither<IssueCreditNoteError, CreditNoteResult>
    >();
    expectTypeOf<Accrue['fp']['history']>().returns.toEqualTypeOf<
      TE.TaskEither<HistoryError, ReadonlyArray<InvoiceHistoryEntry>>
    >();
    expectTypeOf<Accrue['fp']['asOf']>().returns.toEqualTypeOf<TE.TaskEither<HistoryError, InvoiceAsOf>>();
    expectTypeOf<Accrue['fp']['get']>().returns.toEqualTypeOf<
      TE.TaskEither<GetInvoiceError, InvoiceDetailView>
    >();
    expectTypeOf<Accrue['fp']['list']>().returns.toEqualTypeOf<
      TE.TaskEither<ListInvoicesFailure, InvoiceConnection>
    >();
    expectTypeOf<Accrue['fp']['agingReport']>().returns.toEqualTypeOf<
      TE.TaskEither<QueryError, AgingReport>
    >();
  });

  it('gives the same operations as promises of the same results, with the same parameters', () => {
    expectTypeOf<Accrue['createDraft']>().returns.toEqualTypeOf<Promise<InvoiceCommandResult>>();
    expectTypeOf<Accrue['get']>().returns.toEqualTypeOf<Promise<InvoiceDetailView>>();
    type Mirrors = {
      [K in keyof AccrueOperationsFp]: Accrue[K] extends (
        ...args: Parameters<AccrueOperationsFp[K]>
      ) => Promise<RightOf<ReturnType<AccrueOperationsFp[K]>>>
        ? Parameters<Accrue[K]> extends Parameters<AccrueOperationsFp[K]>
          ? true
          : false
        : false;
    };
    expectTypeOf<Mirrors>().toEqualTypeOf<{ [K in keyof AccrueOperationsFp]: true }>();
    expectTypeOf<keyof AccrueOperationsFp>().toEqualTypeOf<
      | 'createDraft'
      | 'reviseDraft'
      | 'approve'
      | 'send'
      | 'recordPayment'
      | 'void'
      | 'writeOff'
      | 'issueCreditNote'
      | 'history'
      | 'asOf'
      | 'get'
      | 'list'
      | 'customerBalance'
      | 'customerStatement'
      | 'agingReport'
      | 'taxReport'
      | 'revenue'
      | 'numberRegister'
    >();
  });

  it('offers the commands, history and as-of inside a transaction, not the read-model queries', () => {
    expectTypeOf<keyof AccrueTransaction>().toEqualTypeOf<keyof InvoiceOperationsFp | 'fp'>();
    expectTypeOf<AccrueTransaction['fp']>().toEqualTypeOf<InvoiceOperationsFp>();
    expectTypeOf<AccrueTransaction['approve']>().returns.toEqualTypeOf<Promise<InvoiceCommandResult>>();
  });

  it('has tagged errors only: rule errors are flattened, and rejections carry them', () => {
    expectTypeOf<Extract<AccrueFailure, { _tag: 'CommandRejected' }>>().toBeNever();
    expectTypeOf<Extract<InvoiceCommandError, { _tag: 'Overpayment' }>>().toHaveProperty('amountDue');
    expectTypeOf<Extract<InvoiceCommandError, { _tag: 'InvalidInput' }>['issues']>().toEqualTypeOf<
      ReadonlyArray<{ readonly path: string; readonly message: string }>
    >();
    expectTypeOf<AccrueError['error']>().toEqualTypeOf<AccrueFailure>();
    expectTypeOf<AccrueError>().toExtend<Error>();
  });

  it('takes inputs in their JSON form: decimal strings, plain string ids and dates', () => {
    expectTypeOf<CreateDraftInput['lines'][number]['quantity']>().toEqualTypeOf<string>();
    expectTypeOf<CreateDraftInput['currency']>().toEqualTypeOf<string>();
    expectTypeOf<CreateDraftInput>().toHaveProperty('invoiceId').toEqualTypeOf<string | undefined>();
  });

  it('subscribes with a promise handler or a TaskEither handler', () => {
    expectTypeOf<Accrue['subscribe']>()
      .parameter(0)
      .toEqualTypeOf<(event: AccrueEvent) => Promise<void> | void>();
    expectTypeOf<Accrue['subscribe']>().returns.toEqualTypeOf<Subscription>();
    expectTypeOf<Accrue['fp']['subscribe']>()
      .parameter(0)
      .toEqualTypeOf<(event: AccrueEvent) => TE.TaskEither<unknown, unknown>>();
    expectTypeOf<SubscriptionFp['closed']>().toEqualTypeOf<TE.TaskEither<SubscriptionFailure, void>>();
    expectTypeOf<Subscription['closed']>().toEqualTypeOf<Promise<void>>();
    expectTypeOf<AccrueEvent['globalPosition']>().toEqualTypeOf<bigint>();
  });
});
