import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { ExactInteger, ExactNumber, JsonNumber, parseExactJson, stringifyExactJson } from './exactJson.js';

describe('exact JSON', () => {
  it('keeps number tokens as their text, whatever a float would make of them', () => {
    const parsed = parseExactJson(
      '{"a":0.10,"b":[90071992547409.93,-1e3],"c":"x\\u00e9\\"","d":null,"e":true}',
    );
    expect(parsed).toEqual(
      E.right({
        a: JsonNumber.unsafe('0.10'),
        b: [JsonNumber.unsafe('90071992547409.93'), JsonNumber.unsafe('-1e3')],
        c: 'xé"',
        d: null,
        e: true,
      }),
    );
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of [
      '',
      '{',
      '{"a":01}',
      '{"a":1,}',
      '[1 2]',
      '"\u0001"',
      'nul',
      '{"a":.5}',
      '1 2',
      '+1',
    ]) {
      expect(E.isLeft(parseExactJson(text)), text).toBe(true);
      expect(() => JSON.parse(text) as unknown, text).toThrow();
    }
  });

  it('bounds nesting', () => {
    expect(E.isLeft(parseExactJson('['.repeat(100) + ']'.repeat(100)))).toBe(true);
  });

  it('keeps "__proto__" keys as data', () => {
    const parsed = parseExactJson('{"__proto__":{"polluted":1}}');
    expect(E.isRight(parsed) && Object.getPrototypeOf(parsed.right)).toBe(null);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('writes number tokens and bigints bare, refuses floats, leaves out undefined fields', () => {
    expect(
      stringifyExactJson({
        amount: JsonNumber.unsafe('461.07'),
        qty: 3n,
        id: 7,
        name: 'a"b',
        skip: undefined,
        list: [],
      }),
    ).toBe('{"amount":461.07,"qty":3,"id":7,"name":"a\\"b","list":[]}');
    expect(() => stringifyExactJson({ amount: 0.1 })).toThrow(/non-integer/);
  });

  it('round-trips, and the codecs read the texts', () => {
    const text = '{"total_amount":150.00,"id":42}';
    const parsed = parseExactJson(text);
    expect(E.isRight(parsed) && stringifyExactJson(parsed.right)).toBe(text);
    const fields = E.isRight(parsed) ? (parsed.right as Record<string, unknown>) : {};
    expect(ExactNumber.decode(fields['total_amount'])).toEqual(E.right('150.00'));
    expect(ExactInteger.decode(fields['id'])).toEqual(E.right(42));
    expect(E.isLeft(ExactInteger.decode(fields['total_amount']))).toBe(true);
    expect(E.isLeft(ExactNumber.decode(150))).toBe(true);
    expect(E.isLeft(ExactInteger.decode(JsonNumber.unsafe('9007199254740993')))).toBe(true);
  });
});
