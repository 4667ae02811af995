import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';

import type { CorruptEvent, StoreUnavailable } from '@accrue/domain';
import {
  CivilDate,
  InvoiceId,
  InvoiceStatus,
  TenantId,
  invoiceNotFound,
  storeUnavailable,
} from '@accrue/domain';
import type {
  AgingReport,
  CurrencyBalance,
  CustomerStatement,
  InvoiceConnection,
  InvoiceDetailView,
  ReadModelQueries,
  RegisteredNumber,
  RevenueRow,
  TaxReport,
} from '@accrue/projections';
import { YearMonth } from '@accrue/projections';

import type { GetInvoiceError, InvalidInput, ListInvoicesFailure, QueryError } from './errors.js';
import type { ReadOptions } from './input.js';
import { decodeInput, invalidInput } from './input.js';

const ListInvoicesInputCodec = t.exact(
  t.partial({
    first: t.Int,
    after: t.string,
    status: t.union([InvoiceStatus, t.literal('overdue')]),
    customerId: t.string,
    from: CivilDate,
    to: CivilDate,
    asOf: CivilDate,
  }),
  'ListInvoicesInput',
);

/** Filters and paging of `list`: dates `YYYY-MM-DD`, `first` ≤ 100 (default 20), `after` a previous `endCursor`. */
export type ListInvoicesInput = t.OutputOf<typeof ListInvoicesInputCodec>;

const Period = t.strict({ from: CivilDate, to: CivilDate }, 'Period');
/** A period of days, both ends included, `YYYY-MM-DD`. */
export type Period = t.OutputOf<typeof Period>;

const MonthRange = t.strict({ from: YearMonth, to: YearMonth }, 'MonthRange');
/** A range of months, both ends included, `YYYY-MM`. */
export type MonthRange = t.OutputOf<typeof MonthRange>;

const RegisterFilter = t.exact(t.partial({ series: t.string, year: t.Int }), 'RegisterFilter');
/** Which numbers of the register: one series, one year, or all. */
export type RegisterFilter = t.OutputOf<typeof RegisterFilter>;

/** The read-model queries, as TaskEithers with tagged errors. Each answer reflects every commit before it. */
export interface ReadModelOperationsFp {
  /** An invoice as the read models show it (totals, VAT, amounts paid, credited and due, credit notes). */
  get(
    invoiceId: string,
    options?: ReadOptions & { readonly asOf?: string },
  ): TE.TaskEither<GetInvoiceError, InvoiceDetailView>;
  /** A page of invoices, newest issue date first, with filters. */
  list(options?: ListInvoicesInput & ReadOptions): TE.TaskEither<ListInvoicesFailure, InvoiceConnection>;
  /** What a customer owes per currency, as of a date (default: everything). */
  customerBalance(
    customerId: string,
    options?: ReadOptions & { readonly asOf?: string },
  ): TE.TaskEither<QueryError, ReadonlyArray<CurrencyBalance>>;
  /** A customer's statement for a period: opening balance, movements, closing balance, per currency. */
  customerStatement(
    customerId: string,
    period: Period,
    options?: ReadOptions,
  ): TE.TaskEither<QueryError, CustomerStatement>;
  /** Receivables aging as of a date (`YYYY-MM-DD`). */
  agingReport(asOf: string, options?: ReadOptions): TE.TaskEither<QueryError, AgingReport>;
  /** Taxable amounts and tax per VAT category and rate for a period. */
  taxReport(period: Period, options?: ReadOptions): TE.TaskEither<QueryError, TaxReport>;
  /** Approved and paid amounts per month and currency. */
  revenue(months: MonthRange, options?: ReadOptions): TE.TaskEither<QueryError, ReadonlyArray<RevenueRow>>;
  /** Every invoice number with its invoice, or its annulment reason. */
  numberRegister(
    filter?: RegisterFilter,
    options?: ReadOptions,
  ): TE.TaskEither<QueryError, ReadonlyArray<RegisteredNumber>>;
}

export interface ReadModelOperationDeps {
  readonly queries: ReadModelQueries;
  /** Brings the read models up to the log's head before a query answers. */
  readonly catchUp: () => TE.TaskEither<StoreUnavailable | CorruptEvent, void>;
  readonly tenantId: string;
}

/** The read-model queries of `@accrue/projections`, decoded inputs in, tagged errors out. */
export const createReadModelOperations = (deps: ReadModelOperationDeps): ReadModelOperationsFp => {
  const tenantOf = (
    operation: string,
    options: ReadOptions | undefined,
  ): E.Either<InvalidInput, TenantId> => {
    const tenantId = options?.tenantId ?? deps.tenantId;
    return TenantId.is(tenantId)
      ? E.right(tenantId)
      : E.left(invalidInput(operation, [{ path: 'options.tenantId', message: 'expected an identifier' }]));
  };

  const optionalDate = (
    operation: string,
    value: string | undefined,
  ): E.Either<InvalidInput, CivilDate | undefined> =>
    value === undefined ? E.right(undefined) : decodeInput(operation, CivilDate, value);

  /** Decode, catch up, then query; a failing read-model database is `StoreUnavailable`. */
  const query = <Args, Err, A>(
    decoded: E.Either<InvalidInput, Args>,
    run: (args: Args) => Promise<E.Either<Err, A>>,
  ): TE.TaskEither<InvalidInput | StoreUnavailable | CorruptEvent | Err, A> =>
    pipe(
      TE.fromEither<InvalidInput | StoreUnavailable | CorruptEvent, Args>(decoded),
      TE.tap(() => deps.catchUp()),
      TE.flatMap((args) =>
        pipe(
          TE.tryCatch(
            () => run(args),
            (cause) => storeUnavailable('read-model query', cause),
          ),
          TE.flatMap((answer): TE.TaskEither<StoreUnavailable | Err, A> => TE.fromEither(answer)),
        ),
      ),
    );

  const right = <A>(value: A): E.Either<never, A> => E.right(value);

  return {
    get: (invoiceId, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('get', options)),
          E.apS('invoiceId', decodeInput('get', InvoiceId, invoiceId)),
          E.apS('asOf', optionalDate('get', options?.asOf)),
        ),
        async ({ tenantId, invoiceId: id, asOf }) => {
          const view = await deps.queries.getInvoice(tenantId, id, asOf === undefined ? {} : { asOf });
          return view === undefined ? E.left(invoiceNotFound(id)) : E.right(view);
        },
      ),

    list: (options) => {
      const { tenantId: _tenant, ...filters } = options ?? {};
      return query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('list', options)),
          E.apS('filters', decodeInput('list', ListInvoicesInputCodec, filters)),
        ),
        ({ tenantId, filters: decoded }) => deps.queries.listInvoices(tenantId, decoded),
      );
    },

    customerBalance: (customerId, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('customerBalance', options)),
          E.apS('asOf', optionalDate('customerBalance', options?.asOf)),
        ),
        async ({ tenantId, asOf }) => right(await deps.queries.customerBalance(tenantId, customerId, asOf)),
      ),

    customerStatement: (customerId, period, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('customerStatement', options)),
          E.apS('period', decodeInput('customerStatement', Period, period)),
        ),
        async ({ tenantId, period: { from, to } }) =>
          right(await deps.queries.customerStatement(tenantId, customerId, from, to)),
      ),

    agingReport: (asOf, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('agingReport', options)),
          E.apS('asOf', decodeInput('agingReport', CivilDate, asOf)),
        ),
        async ({ tenantId, asOf: date }) => right(await deps.queries.agingReport(tenantId, date)),
      ),

    taxReport: (period, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('taxReport', options)),
          E.apS('period', decodeInput('taxReport', Period, period)),
        ),
        async ({ tenantId, period: { from, to } }) => right(await deps.queries.taxReport(tenantId, from, to)),
      ),

    revenue: (months, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('revenue', options)),
          E.apS('months', decodeInput('revenue', MonthRange, months)),
        ),
        async ({ tenantId, months: { from, to } }) => right(await deps.queries.revenue(tenantId, from, to)),
      ),

    numberRegister: (filter, options) =>
      query(
        pipe(
          E.Do,
          E.apS('tenantId', tenantOf('numberRegister', options)),
          E.apS('filter', decodeInput('numberRegister', RegisterFilter, filter ?? {})),
        ),
        async ({ tenantId, filter: decoded }) => right(await deps.queries.numberRegister(tenantId, decoded)),
      ),
  };
};
