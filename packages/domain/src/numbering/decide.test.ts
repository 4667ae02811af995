import { describe, expect, it } from 'vitest';

import { deciderSpec, decode } from '../testing/index.js';
import { AnnulNumber, ReserveNumber } from './commands.js';
import type { NumberSeriesCommand } from './commands.js';
import { numberSeriesDecider } from './decider.js';
import type { NumberSeriesEvent } from './events.js';
import { NumberSeriesEvent as NumberSeriesEventCodec } from './events.js';
import { findReservation } from './state.js';
import { foldEvents } from '../shared/decider.js';
import { InvoiceId } from '../shared/ids.js';

const spec = deciderSpec(numberSeriesDecider);
const NOW = '2026-03-01T09:00:00Z';
const address = { tenantId: 'tenant-1', series: 'INV', year: 2026, now: NOW };

const reserve = (invoiceId: string, overrides: Record<string, unknown> = {}): NumberSeriesCommand =>
  decode(ReserveNumber, { type: 'ReserveNumber', data: { ...address, invoiceId, ...overrides } });
const annul = (counter: number, reason = 'approval refused'): NumberSeriesCommand =>
  decode(AnnulNumber, { type: 'AnnulNumber', data: { ...address, counter, reason } });

const reserved = (counter: number, invoiceId: string): NumberSeriesEvent =>
  decode(NumberSeriesEventCodec, {
    type: 'NumberReserved',
    data: {
      tenantId: 'tenant-1',
      series: 'INV',
      year: 2026,
      counter,
      number: `INV-2026-${String(counter).padStart(6, '0')}`,
      invoiceId,
      reservedAt: NOW,
    },
  });

const annulled = (counter: number, invoiceId: string): NumberSeriesEvent =>
  decode(NumberSeriesEventCodec, {
    type: 'NumberAnnulled',
    data: {
      series: 'INV',
      year: 2026,
      counter,
      number: `INV-2026-${String(counter).padStart(6, '0')}`,
      invoiceId,
      reason: 'approval refused',
      annulledAt: NOW,
    },
  });

describe('number series: every command in every state', () => {
  const states = {
    unused: [],
    active: [reserved(1, 'inv-1'), reserved(2, 'inv-2')],
  } satisfies Record<string, NumberSeriesEvent[]>;

  it.each([
    ['unused', 'ReserveNumber', () => reserve('inv-9'), [reserved(1, 'inv-9')]],
    ['active', 'ReserveNumber', () => reserve('inv-9'), [reserved(3, 'inv-9')]],
    ['unused', 'AnnulNumber', () => annul(1), 'NumberNotReserved'],
    ['active', 'AnnulNumber', () => annul(2), [annulled(2, 'inv-2')]],
  ] as const)('given %s, when %s', (state, _name, command, outcome) => {
    const when = spec.given(states[state]).when(command());
    if (typeof outcome === 'string') when.thenError(outcome);
    else when.then(outcome);
  });
});

describe('number series', () => {
  it('counts on from the last counter, with no gap', () => {
    spec
      .given([reserved(1, 'inv-1'), reserved(2, 'inv-2'), annulled(2, 'inv-2')])
      .when(reserve('inv-3'))
      .then([reserved(3, 'inv-3')]);
  });

  it('gives an invoice that holds a number no second one: the retry finds the first', () => {
    const given = [reserved(1, 'inv-1'), reserved(2, 'inv-2')];
    spec.given(given).when(reserve('inv-1')).thenNothing();
    const state = foldEvents(numberSeriesDecider, given);
    expect(findReservation(state, decode(InvoiceId, 'inv-1'))?.number).toBe('INV-2026-000001');
  });

  it('gives an invoice whose number was annulled a new one; the annulled number is never reused', () => {
    spec
      .given([reserved(1, 'inv-1'), annulled(1, 'inv-1')])
      .when(reserve('inv-1'))
      .then([reserved(2, 'inv-1')]);
  });

  it('annuls a number once: annulling again is nothing to do', () => {
    spec
      .given([reserved(1, 'inv-1'), annulled(1, 'inv-1')])
      .when(annul(1))
      .thenNothing();
  });

  it('refuses to annul a number that was never handed out', () => {
    const error = spec
      .given([reserved(1, 'inv-1')])
      .when(annul(2))
      .thenError('NumberNotReserved');
    expect(error.counter).toBe(2);
  });

  it('refuses a command for another series, year or tenant than the stream holds', () => {
    const given = [reserved(1, 'inv-1')];
    spec
      .given(given)
      .when(reserve('inv-2', { series: 'CN' }))
      .thenError('WrongNumberSeries');
    spec
      .given(given)
      .when(reserve('inv-2', { year: 2027 }))
      .thenError('WrongNumberSeries');
    spec
      .given(given)
      .when(reserve('inv-2', { tenantId: 'tenant-2' }))
      .thenError('WrongNumberSeries');
  });

  it('round-trips its events through the stored format', () => {
    for (const event of [reserved(7, 'inv-7'), annulled(7, 'inv-7')]) {
      const stored: unknown = JSON.parse(JSON.stringify(NumberSeriesEventCodec.encode(event)));
      expect(decode(NumberSeriesEventCodec, stored)).toEqual(event);
    }
  });
});
