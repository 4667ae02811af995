/**
 * Why a UBL document could not be read. Every error names the element it is about as a path of local names
 * from the root, with 1-based positions on repeated elements (`Invoice/InvoiceLine[3]/Price/PriceAmount`), so
 * that a user can find it in the file whatever namespace prefixes the file uses.
 */
export type UblReadError = MalformedXml | UnknownRootElement | MissingElement | InvalidNumber | InvalidValue;

/** The text is not well-formed XML (or not a single-rooted document). */
export interface MalformedXml {
  readonly _tag: 'MalformedXml';
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** The root is neither a UBL `Invoice` nor a UBL `CreditNote`. */
export interface UnknownRootElement {
  readonly _tag: 'UnknownRootElement';
  readonly element: string;
}

/** An element the calculation or EN 16931 needs is absent or empty. */
export interface MissingElement {
  readonly _tag: 'MissingElement';
  readonly path: string;
}

/** An element that must hold a decimal number holds something else. */
export interface InvalidNumber {
  readonly _tag: 'InvalidNumber';
  readonly path: string;
  readonly value: string;
}

/** An element holds a value outside its code list or rules (unknown currency, unsupported VAT category…). */
export interface InvalidValue {
  readonly _tag: 'InvalidValue';
  readonly path: string;
  readonly value: string;
  readonly reason: string;
}

export const malformedXml = (message: string, line?: number, column?: number): MalformedXml => ({
  _tag: 'MalformedXml',
  message,
  ...(line === undefined ? {} : { line }),
  ...(column === undefined ? {} : { column }),
});

export const unknownRootElement = (element: string): UnknownRootElement => ({
  _tag: 'UnknownRootElement',
  element,
});

export const missingElement = (path: string): MissingElement => ({ _tag: 'MissingElement', path });

export const invalidNumber = (path: string, value: string): InvalidNumber => ({
  _tag: 'InvalidNumber',
  path,
  value,
});

export const invalidValue = (path: string, value: string, reason: string): InvalidValue => ({
  _tag: 'InvalidValue',
  path,
  value,
  reason,
});

/** One line of text for people: CLI output, logs. */
export const describeUblReadError = (error: UblReadError): string => {
  switch (error._tag) {
    case 'MalformedXml':
      return `malformed XML${error.line === undefined ? '' : ` at line ${error.line}${error.column === undefined ? '' : `, column ${error.column}`}`}: ${error.message}`;
    case 'UnknownRootElement':
      return `unknown root element ${error.element}: expected a UBL 2.1 Invoice or CreditNote`;
    case 'MissingElement':
      return `missing element ${error.path}`;
    case 'InvalidNumber':
      return `${error.path}: "${error.value.slice(0, 80)}" is not a decimal number`;
    case 'InvalidValue':
      return `${error.path}: "${error.value.slice(0, 80)}" ${error.reason}`;
  }
};
