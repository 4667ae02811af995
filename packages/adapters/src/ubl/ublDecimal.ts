import type { Decimal } from '@accrue/domain';
import { parseDecimal } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

/** xs:decimal lexical form: optional sign, digits with an optional point, at least one digit somewhere. */
const XS_DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/;

/**
 * Rewrites an xs:decimal lexical value into the plain form `parseDecimal` accepts. UBL numbers are
 * xs:decimal, which allows what our wire format does not: surrounding whitespace, a leading `+`, leading
 * zeros, and a missing integer or fraction part (`.5`, `5.`). Returns `undefined` for anything else
 * (exponents, commas, empty text), so the caller reports the element.
 */
export const normaliseUblDecimal = (text: string): string | undefined => {
  const match = XS_DECIMAL.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = '', integerDigits = '', fractionDigits = ''] = match;
  if (integerDigits === '' && fractionDigits === '') return undefined;
  const integer = integerDigits.replace(/^0+(?=[0-9])/, '') || '0';
  const negative = sign === '-' ? '-' : '';
  return fractionDigits === '' ? `${negative}${integer}` : `${negative}${integer}.${fractionDigits}`;
};

/** Parses a UBL decimal exactly; `undefined` when it is not one. */
export const parseUblDecimal = (text: string): Decimal | undefined => {
  const normalised = normaliseUblDecimal(text);
  if (normalised === undefined) return undefined;
  const parsed = parseDecimal(normalised);
  return E.isRight(parsed) ? parsed.right : undefined;
};
