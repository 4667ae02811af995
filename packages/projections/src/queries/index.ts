import type { CivilDate } from '@accrue/domain';
import type * as E from 'fp-ts/lib/Either.js';

import type { ReadModelStore } from '../model/readModelStore.js';
import type { AgingReport } from './aging.js';
import { agingReport } from './aging.js';
import type { CurrencyBalance, CustomerStatement } from './customerLedger.js';
import { customerBalance, customerStatement } from './customerLedger.js';
import type {
  InvoiceConnection,
  InvoiceDetailView,
  ListInvoicesError,
  ListInvoicesOptions,
} from './invoices.js';
import { getInvoice, listInvoices } from './invoices.js';
import type { RegisteredNumber } from './numberRegister.js';
import { numberRegister } from './numberRegister.js';
import { readModelPosition } from './position.js';
import type { RevenueRow, YearMonth } from './revenue.js';
import { revenue } from './revenue.js';
import type { TaxReport } from './taxReport.js';
import { taxReport } from './taxReport.js';

export * from './aging.js';
export * from './customerLedger.js';
export * from './invoices.js';
export * from './money.js';
export * from './numberRegister.js';
export * from './position.js';
export * from './revenue.js';
export * from './taxReport.js';
export { liveTables, readModelStamp } from './tables.js';
export type { LiveTables } from './tables.js';

/** The read-model queries bound to one store (what the API resolves once at startup). */
export interface ReadModelQueries {
  readonly getInvoice: (
    tenantId: string,
    invoiceId: string,
    options?: { readonly asOf?: CivilDate },
  ) => Promise<InvoiceDetailView | undefined>;
  readonly listInvoices: (
    tenantId: string,
    options?: ListInvoicesOptions,
  ) => Promise<E.Either<ListInvoicesError, InvoiceConnection>>;
  readonly customerBalance: (
    tenantId: string,
    customerId: string,
    asOf?: CivilDate,
  ) => Promise<ReadonlyArray<CurrencyBalance>>;
  readonly customerStatement: (
    tenantId: string,
    customerId: string,
    from: CivilDate,
    to: CivilDate,
  ) => Promise<CustomerStatement>;
  readonly agingReport: (tenantId: string, asOf: CivilDate) => Promise<AgingReport>;
  readonly taxReport: (tenantId: string, from: CivilDate, to: CivilDate) => Promise<TaxReport>;
  readonly revenue: (tenantId: string, from: YearMonth, to: YearMonth) => Promise<ReadonlyArray<RevenueRow>>;
  readonly numberRegister: (
    tenantId: string,
    filter?: { readonly series?: string; readonly year?: number },
  ) => Promise<ReadonlyArray<RegisteredNumber>>;
  readonly readModelPosition: () => Promise<bigint | undefined>;
}

/** Binds every query to `store`. Each call resolves the live generations afresh (a rebuild may have switched). */
export const createReadModelQueries = (store: ReadModelStore): ReadModelQueries => ({
  getInvoice: (tenantId, invoiceId, options) => getInvoice(store, tenantId, invoiceId, options),
  listInvoices: (tenantId, options) => listInvoices(store, tenantId, options),
  customerBalance: (tenantId, customerId, asOf) => customerBalance(store, tenantId, customerId, asOf),
  customerStatement: (tenantId, customerId, from, to) =>
    customerStatement(store, tenantId, customerId, from, to),
  agingReport: (tenantId, asOf) => agingReport(store, tenantId, asOf),
  taxReport: (tenantId, from, to) => taxReport(store, tenantId, from, to),
  revenue: (tenantId, from, to) => revenue(store, tenantId, from, to),
  numberRegister: (tenantId, filter) => numberRegister(store, tenantId, filter),
  readModelPosition: () => readModelPosition(store),
});
