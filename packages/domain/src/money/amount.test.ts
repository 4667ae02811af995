import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { addMoney, formatMinorUnits, money, toMinorUnits } from './amount.js';
import type { CurrencyCode } from './currency.js';
import { CurrencyCode as CurrencyCodeCodec, currencyExponent, parseCurrencyCode } from './currency.js';
import { decimal } from './decimal.js';

const code = (c: string): CurrencyCode => c as CurrencyCode;

describe('currencies', () => {
  it('takes exponents from the ISO 4217 table', () => {
    expect(currencyExponent(code('EUR'))).toBe(2);
    expect(currencyExponent(code('JPY'))).toBe(0);
    expect(currencyExponent(code('KWD'))).toBe(3);
    expect(currencyExponent(code('BHD'))).toBe(3);
    expect(currencyExponent(code('CLF'))).toBe(4);
  });

  it('refuses unknown codes and units that are not money', () => {
    expect(E.isLeft(parseCurrencyCode('EURO'))).toBe(true);
    expect(E.isLeft(parseCurrencyCode('eur'))).toBe(true);
    expect(CurrencyCodeCodec.is('XAU')).toBe(false);
    expect(CurrencyCodeCodec.is('XXX')).toBe(false);
    expect(CurrencyCodeCodec.is('XOF')).toBe(true);
  });
});

describe('minor units', () => {
  it('converts exactly in the currency scale', () => {
    expect(toMinorUnits(decimal('12.34'), code('EUR'))).toEqual(E.right(1234n));
    expect(toMinorUnits(decimal('12.340'), code('EUR'))).toEqual(E.right(1234n));
    expect(toMinorUnits(decimal('1500'), code('JPY'))).toEqual(E.right(1500n));
    expect(toMinorUnits(decimal('1.234'), code('KWD'))).toEqual(E.right(1234n));
    expect(toMinorUnits(decimal('-0.5'), code('EUR'))).toEqual(E.right(-50n));
    expect(toMinorUnits(decimal('123456789012345678901.23'), code('EUR'))).toEqual(
      E.right(12345678901234567890123n),
    );
  });

  it('refuses amounts finer than the minor unit', () => {
    expect(E.isLeft(toMinorUnits(decimal('12.345'), code('EUR')))).toBe(true);
    expect(E.isLeft(toMinorUnits(decimal('0.5'), code('JPY')))).toBe(true);
    expect(E.isLeft(toMinorUnits(decimal('1.2345'), code('KWD')))).toBe(true);
  });

  it('formats in the currency scale', () => {
    expect(formatMinorUnits(1234n, code('EUR'))).toBe('12.34');
    expect(formatMinorUnits(-5n, code('EUR'))).toBe('-0.05');
    expect(formatMinorUnits(0n, code('EUR'))).toBe('0.00');
    expect(formatMinorUnits(1500n, code('JPY'))).toBe('1500');
    expect(formatMinorUnits(1n, code('KWD'))).toBe('0.001');
  });

  it('never adds different currencies', () => {
    expect(addMoney(money(1n, code('EUR')), money(2n, code('EUR')))).toEqual(E.right(money(3n, code('EUR'))));
    expect(addMoney(money(1n, code('EUR')), money(2n, code('USD')))).toEqual(
      E.left({ _tag: 'CurrencyMismatch', expected: 'EUR', actual: 'USD' }),
    );
  });
});
