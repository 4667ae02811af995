/**
 * The number series events. THIS IS THE STORED FORMAT: once written, events are read back for ever, so
 * changes are additive only (new optional fields, new event types); anything else needs an upcaster.
 */
import * as t from 'io-ts';

import { InvoiceId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';
import { Counter, InvoiceNumber, Series, Year } from './format.js';

/** The next number of the series went to `invoiceId`. `counter` is always the previous counter + 1. */
export const NumberReserved = t.strict(
  {
    type: t.literal('NumberReserved'),
    data: t.strict({
      tenantId: TenantId,
      series: Series,
      year: Year,
      counter: Counter,
      number: InvoiceNumber,
      invoiceId: InvoiceId,
      reservedAt: Timestamp,
    }),
  },
  'NumberReserved',
);
export type NumberReserved = t.TypeOf<typeof NumberReserved>;

/**
 * A reserved number that no invoice will carry (the approval failed after the reservation). It stays in the
 * register with its reason, so the sequence has no silent gap.
 */
export const NumberAnnulled = t.strict(
  {
    type: t.literal('NumberAnnulled'),
    data: t.strict({
      series: Series,
      year: Year,
      counter: Counter,
      number: InvoiceNumber,
      invoiceId: InvoiceId,
      reason: NonEmptyString,
      annulledAt: Timestamp,
    }),
  },
  'NumberAnnulled',
);
export type NumberAnnulled = t.TypeOf<typeof NumberAnnulled>;

export const NumberSeriesEvent = t.union([NumberReserved, NumberAnnulled], 'NumberSeriesEvent');
export type NumberSeriesEvent = t.TypeOf<typeof NumberSeriesEvent>;
