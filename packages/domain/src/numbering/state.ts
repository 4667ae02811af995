import type { InvoiceId, TenantId } from '../shared/ids.js';
import type { NumberSeriesEvent } from './events.js';
import type { Counter, InvoiceNumber, Series, Year } from './format.js';

export interface NumberReservation {
  readonly counter: Counter;
  readonly number: InvoiceNumber;
  readonly invoiceId: InvoiceId;
  readonly annulled: boolean;
}

/** A series and year of a tenant that has not handed out a number yet. */
export interface UnusedNumberSeries {
  readonly _tag: 'UnusedNumberSeries';
}

export interface ActiveNumberSeries {
  readonly _tag: 'ActiveNumberSeries';
  readonly tenantId: TenantId;
  readonly series: Series;
  readonly year: Year;
  readonly lastCounter: Counter;
  /** Every number handed out, in counter order: the register that shows the sequence has no gap. */
  readonly reservations: ReadonlyArray<NumberReservation>;
}

export type NumberSeriesState = UnusedNumberSeries | ActiveNumberSeries;

export const initialNumberSeriesState: NumberSeriesState = { _tag: 'UnusedNumberSeries' };

export const evolveNumberSeries = (state: NumberSeriesState, event: NumberSeriesEvent): NumberSeriesState => {
  switch (event.type) {
    case 'NumberReserved': {
      const { tenantId, series, year, counter, number, invoiceId } = event.data;
      const reservations = state._tag === 'ActiveNumberSeries' ? state.reservations : [];
      return {
        _tag: 'ActiveNumberSeries',
        tenantId,
        series,
        year,
        lastCounter: counter,
        reservations: [...reservations, { counter, number, invoiceId, annulled: false }],
      };
    }
    case 'NumberAnnulled':
      if (state._tag === 'UnusedNumberSeries') return state;
      return {
        ...state,
        reservations: state.reservations.map((reservation) =>
          reservation.counter === event.data.counter ? { ...reservation, annulled: true } : reservation,
        ),
      };
  }
};

/**
 * The standing reservation of `invoiceId`, if any. A command handler that crashed between reserving a number
 * and approving the invoice finds it here on retry and completes the approval with the same number.
 */
export const findReservation = (
  state: NumberSeriesState,
  invoiceId: InvoiceId,
): NumberReservation | undefined =>
  state._tag === 'ActiveNumberSeries'
    ? state.reservations.find((reservation) => reservation.invoiceId === invoiceId && !reservation.annulled)
    : undefined;
