import * as E from 'fp-ts/lib/Either.js';

import type { AnnulNumber, NumberSeriesCommand, ReserveNumber } from './commands.js';
import type { NumberSeriesError } from './errors.js';
import { numberNotReserved, wrongNumberSeries } from './errors.js';
import type { NumberSeriesEvent } from './events.js';
import type { Counter } from './format.js';
import { Counter as CounterCodec, formatInvoiceNumber } from './format.js';
import type { NumberSeriesState } from './state.js';
import { findReservation } from './state.js';
import { bug } from '../shared/bug.js';

type Decision = E.Either<NumberSeriesError, ReadonlyArray<NumberSeriesEvent>>;

const nextCounter = (state: NumberSeriesState): Counter => {
  const next = state._tag === 'ActiveNumberSeries' ? state.lastCounter + 1 : 1;
  return CounterCodec.is(next) ? next : bug(`counter ${next} is beyond the safe integer range`);
};

const checkAddress = (
  state: NumberSeriesState,
  data: ReserveNumber['data'] | AnnulNumber['data'],
): E.Either<NumberSeriesError, void> => {
  if (state._tag === 'UnusedNumberSeries') return E.right(undefined);
  const { tenantId, series, year } = data;
  return state.tenantId === tenantId && state.series === series && state.year === year
    ? E.right(undefined)
    : E.left(
        wrongNumberSeries(
          { tenantId: state.tenantId, series: state.series, year: state.year },
          { tenantId, series, year },
        ),
      );
};

const reserve = (command: ReserveNumber, state: NumberSeriesState): Decision => {
  const { tenantId, series, year, invoiceId, now } = command.data;
  // One number per invoice: a retried reservation gets the same number instead of burning a second one.
  if (findReservation(state, invoiceId) !== undefined) return E.right([]);
  const counter = nextCounter(state);
  return E.right([
    {
      type: 'NumberReserved',
      data: {
        tenantId,
        series,
        year,
        counter,
        number: formatInvoiceNumber({ series, year, counter }),
        invoiceId,
        reservedAt: now,
      },
    },
  ]);
};

const annul = (command: AnnulNumber, state: NumberSeriesState): Decision => {
  const { series, year, counter, reason, now } = command.data;
  const reservation =
    state._tag === 'ActiveNumberSeries'
      ? state.reservations.find((candidate) => candidate.counter === counter)
      : undefined;
  if (reservation === undefined) return E.left(numberNotReserved(series, year, counter));
  if (reservation.annulled) return E.right([]);
  return E.right([
    {
      type: 'NumberAnnulled',
      data: {
        series,
        year,
        counter,
        number: reservation.number,
        invoiceId: reservation.invoiceId,
        reason,
        annulledAt: now,
      },
    },
  ]);
};

/**
 * Decides on a number series of one tenant, series and year.
 *
 * Invariants: counters are handed out 1, 2, 3… with no gap (next = last + 1); a number goes to one invoice;
 * reserving again for an invoice that holds a standing number is a no-op (its number is `findReservation`'s);
 * a number is annulled at most once and only if it was handed out; annulled numbers stay in the register.
 * Whether the invoice used its number is not known here: the command handler annuls a reservation whose
 * approval was refused. Exclusive writes (gap-freeness under concurrency) are the event store's job.
 */
export const decideNumberSeries = (command: NumberSeriesCommand, state: NumberSeriesState): Decision =>
  E.flatMap(checkAddress(state, command.data), () => {
    switch (command.type) {
      case 'ReserveNumber':
        return reserve(command, state);
      case 'AnnulNumber':
        return annul(command, state);
    }
  });
