import type { Decimal } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { UblReadError } from './errors.js';
import { invalidNumber, invalidValue, missingElement } from './errors.js';
import { parseUblDecimal } from './ublDecimal.js';
import type { Located } from './xml.js';
import { descend, pathOf, textAt } from './xml.js';

/**
 * Field readers over a located element: each returns the value or an error naming the element's path.
 * "Required" means the calculation or EN 16931 cannot do without it; optional fields are `undefined` when
 * absent, but an optional number that is present must still be a number.
 */

export const requiredText = (
  at: Located,
  ...names: ReadonlyArray<string>
): E.Either<UblReadError, string> => {
  const text = textAt(at, ...names);
  return text === undefined ? E.left(missingElement(pathOf(at, ...names))) : E.right(text);
};

export const optionalText = (at: Located, ...names: ReadonlyArray<string>): string | undefined =>
  textAt(at, ...names);

const decimalOf = (found: Located): E.Either<UblReadError, Decimal> => {
  const value = parseUblDecimal(found.element.text);
  return value === undefined ? E.left(invalidNumber(found.path, found.element.text)) : E.right(value);
};

export const requiredDecimal = (
  at: Located,
  ...names: ReadonlyArray<string>
): E.Either<UblReadError, Decimal> => {
  const found = descend(at, ...names);
  // An empty mandatory element is as good as absent; an empty optional one is a number that is not one.
  return found === undefined || found.element.text === ''
    ? E.left(missingElement(pathOf(at, ...names)))
    : decimalOf(found);
};

/** Absent → `undefined`; present (even empty) → must parse. */
export const optionalDecimal = (
  at: Located,
  ...names: ReadonlyArray<string>
): E.Either<UblReadError, Decimal | undefined> => {
  const found = descend(at, ...names);
  return found === undefined ? E.right(undefined) : decimalOf(found);
};

/** xs:boolean: `true`, `false`, `1`, `0`. */
export const requiredBoolean = (
  at: Located,
  ...names: ReadonlyArray<string>
): E.Either<UblReadError, boolean> => {
  const text = textAt(at, ...names);
  const path = pathOf(at, ...names);
  if (text === undefined) return E.left(missingElement(path));
  if (text === 'true' || text === '1') return E.right(true);
  if (text === 'false' || text === '0') return E.right(false);
  return E.left(invalidValue(path, text, 'is not a boolean (true or false)'));
};
