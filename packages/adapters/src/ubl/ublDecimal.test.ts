import { describe, expect, it } from 'vitest';

import { normaliseUblDecimal, parseUblDecimal } from './ublDecimal.js';

describe('normaliseUblDecimal', () => {
  it.each([
    ['1.5', '1.5'],
    ['+1.5', '1.5'],
    ['.5', '0.5'],
    ['-.5', '-0.5'],
    ['5.', '5'],
    ['  12.50\n', '12.50'],
    ['007.10', '7.10'],
    ['-0', '-0'],
    ['000', '0'],
  ])('rewrites the xs:decimal %j as %j', (text, expected) => {
    expect(normaliseUblDecimal(text)).toBe(expected);
  });

  it.each(['', ' ', '.', '+', '-', '1e3', '12,50', '1.2.3', 'abc', '1 000', '--1', 'NaN'])(
    'refuses %j',
    (text) => {
      expect(normaliseUblDecimal(text)).toBeUndefined();
    },
  );

  it('parses exactly, without going through a float', () => {
    expect(parseUblDecimal('+0.1')!.plus(parseUblDecimal('.2')!).toFixed()).toBe('0.3');
  });
});
