import * as E from 'fp-ts/lib/Either.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

import type { MalformedXml } from './errors.js';
import { malformedXml } from './errors.js';

/**
 * A namespace-blind view of an XML element: UBL files bind the same namespaces to different prefixes
 * (`cbc:`, `ubl:`, none), so elements and attributes are known by their local names only.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  /** The element's own text, whitespace-trimmed; empty for elements that only hold children. */
  readonly text: string;
  readonly children: ReadonlyArray<XmlElement>;
}

/** An element and the path that leads to it from the root, for error messages. */
export interface Located {
  readonly element: XmlElement;
  readonly path: string;
}

const parser = new XMLParser({
  // Ordered output keeps repeated siblings apart and lets us build one uniform element type.
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Numbers stay text: the reader parses them exactly, never through a float.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const toAttributes = (raw: unknown): ReadonlyMap<string, string> => {
  const attributes = new Map<string, string>();
  if (!isRecord(raw)) return attributes;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') attributes.set(key, value);
  }
  return attributes;
};

/** Converts fast-xml-parser's ordered output (`[{ tag: [...children], ':@': {attrs} }, { '#text': … }]`). */
const toElements = (raw: unknown): XmlElement[] => {
  if (!Array.isArray(raw)) return [];
  const elements: XmlElement[] = [];
  for (const item of raw as unknown[]) {
    if (!isRecord(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      if (key === ':@' || key === '#text') continue;
      const content: unknown[] = Array.isArray(value) ? (value as unknown[]) : [];
      const text = content
        .map((part) => (isRecord(part) && '#text' in part ? String(part['#text']) : ''))
        .join('')
        .trim();
      elements.push({ name: key, attributes: toAttributes(item[':@']), text, children: toElements(content) });
    }
  }
  return elements;
};

/**
 * Parses XML text into its root element. The validator runs first because the parser itself accepts broken
 * markup silently; both are guarded, so no input makes this throw.
 */
export const parseXml = (text: string): E.Either<MalformedXml, XmlElement> => {
  try {
    // Deprecated in favour of the separate fast-xml-validator package, which is not a dependency; the
    // pinned 5.12.1 still ships this validator, and the tests cover what we need from it.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const validation = XMLValidator.validate(text);
    if (validation !== true) {
      return E.left(malformedXml(validation.err.msg, validation.err.line, validation.err.col));
    }
    const roots = toElements(parser.parse(text));
    const [root, ...others] = roots;
    if (root === undefined) return E.left(malformedXml('the document has no root element'));
    if (others.length > 0) return E.left(malformedXml('the document has more than one root element'));
    return E.right(root);
  } catch (cause) {
    return E.left(malformedXml(cause instanceof Error ? cause.message : String(cause)));
  }
};

export const root = (element: XmlElement): Located => ({ element, path: element.name });

/** The first child with this local name, its path without a position (`Invoice/Price`). */
export const child = (parent: Located, name: string): Located | undefined => {
  const found = parent.element.children.find((candidate) => candidate.name === name);
  return found === undefined ? undefined : { element: found, path: `${parent.path}/${name}` };
};

/** Every child with this local name, each path with its 1-based position (`Invoice/InvoiceLine[3]`). */
export const children = (parent: Located, name: string): Located[] =>
  parent.element.children
    .filter((candidate) => candidate.name === name)
    .map((element, index) => ({ element, path: `${parent.path}/${name}[${index + 1}]` }));

/** Follows a chain of first children: `descend(line, 'Item', 'ClassifiedTaxCategory', 'ID')`. */
export const descend = (start: Located, ...names: ReadonlyArray<string>): Located | undefined => {
  let current: Located | undefined = start;
  for (const name of names) {
    if (current === undefined) return undefined;
    current = child(current, name);
  }
  return current;
};

/** The trimmed text of a descendant, `undefined` when the element is absent or empty. */
export const textAt = (start: Located, ...names: ReadonlyArray<string>): string | undefined => {
  const found = descend(start, ...names);
  return found === undefined || found.element.text === '' ? undefined : found.element.text;
};

/** The path a missing descendant would have, for error messages. */
export const pathOf = (start: Located, ...names: ReadonlyArray<string>): string =>
  [start.path, ...names].join('/');
