import * as t from 'io-ts';

import { InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';
import { Counter, Series, Year } from './format.js';

/** Commands address one series of one tenant in one year: one stream each. */
const SeriesAddress = { tenantId: TenantId, series: Series, year: Year, now: Timestamp };

/** Takes the next number of the series for `invoiceId` (idempotent per invoice while the number stands). */
export const ReserveNumber = t.strict(
  { type: t.literal('ReserveNumber'), data: t.strict({ ...SeriesAddress, invoiceId: InvoiceId }) },
  'ReserveNumber',
);
export type ReserveNumber = t.TypeOf<typeof ReserveNumber>;

/** Records that reserved number `counter` will never be used, and why. */
export const AnnulNumber = t.strict(
  {
    type: t.literal('AnnulNumber'),
    data: t.strict({ ...SeriesAddress, counter: Counter, reason: NonEmptyString }),
  },
  'AnnulNumber',
);
export type AnnulNumber = t.TypeOf<typeof AnnulNumber>;

export const NumberSeriesCommand = t.union([ReserveNumber, AnnulNumber], 'NumberSeriesCommand');
export type NumberSeriesCommand = t.TypeOf<typeof NumberSeriesCommand>;
