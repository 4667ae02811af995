import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';

import { decode } from '../testing/index.js';
import { Counter, InvoiceNumber, Series, Year, formatInvoiceNumber, parseInvoiceNumber } from './format.js';

const parts = (series: string, year: number, counter: number) => ({
  series: decode(Series, series),
  year: decode(Year, year),
  counter: decode(Counter, counter),
});

describe('invoice numbers', () => {
  it('formats {SERIES}-{YEAR}-{COUNTER:6}', () => {
    expect(formatInvoiceNumber(parts('INV', 2026, 1))).toBe('INV-2026-000001');
    expect(formatInvoiceNumber(parts('CN', 2026, 999999))).toBe('CN-2026-999999');
  });

  it('lets the counter grow wider past 999999 instead of wrapping', () => {
    expect(formatInvoiceNumber(parts('INV', 2026, 1000000))).toBe('INV-2026-1000000');
    expect(parseInvoiceNumber('INV-2026-1000000')).toEqual(O.some(parts('INV', 2026, 1000000)));
  });

  it('parses what it formats, including series with dashes', () => {
    expect(parseInvoiceNumber('INV-2026-000042')).toEqual(O.some(parts('INV', 2026, 42)));
    expect(parseInvoiceNumber('EXPORT-B2B-2026-000007')).toEqual(O.some(parts('EXPORT-B2B', 2026, 7)));
    expect(parseInvoiceNumber('A-2025-2026-000001')).toEqual(O.some(parts('A-2025', 2026, 1)));
  });

  it.each([
    'INV-2026-0000001', // a second spelling of counter 1
    'INV-2026-00001', // too narrow
    'INV-2026-000000', // counter 0 is never handed out
    'inv-2026-000001',
    'INV-26-000001',
    'INV2026000001',
    'INV-2026-000001 ',
    'TOO-LONG-SERIES-NAME-2026-000001',
    '',
  ])('refuses %j', (text) => {
    expect(O.isNone(parseInvoiceNumber(text))).toBe(true);
    expect(InvoiceNumber.is(text)).toBe(false);
  });

  it.each(['INV', 'CN', 'A', '2026', 'EXPORT-B2B', 'ABCDEFGHIJKLMNOP'])('accepts series %s', (series) => {
    expect(Series.is(series)).toBe(true);
  });

  it.each(['', 'inv', 'INV 1', 'INV_1', 'ABCDEFGHIJKLMNOPQ', 'ÄBC'])('refuses series %j', (series) => {
    expect(Series.is(series)).toBe(false);
  });
});
