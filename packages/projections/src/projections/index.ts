import type { Projection } from '../model/projection.js';
import { customerLedgerProjection } from './customerLedger.js';
import { invoicesProjection } from './invoices.js';
import { numberRegisterProjection } from './numberRegister.js';
import { revenueProjection } from './revenue.js';
import { taxReportProjection } from './taxReport.js';

export * from './columns.js';
export * from './customerLedger.js';
export * from './invoices.js';
export * from './numberRegister.js';
export * from './revenue.js';
export * from './taxReport.js';

/** Every read model the queries serve, for the runner to keep up to date. */
export const allProjections: ReadonlyArray<Projection> = [
  invoicesProjection,
  customerLedgerProjection,
  taxReportProjection,
  revenueProjection,
  numberRegisterProjection,
];
