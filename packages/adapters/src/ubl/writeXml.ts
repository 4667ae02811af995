/**
 * A minimal XML writer for the UBL export: elements, attributes and text, escaped, indented two spaces.
 * Hand-written rather than fast-xml-parser's builder so that element order, empty-element handling and
 * escaping are exactly what the UBL schema needs and nothing depends on a library's option defaults.
 */

/** An element with either text or child elements (UBL never mixes them). */
export interface XmlNode {
  readonly name: string;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  readonly text?: string;
  readonly children: ReadonlyArray<XmlNode>;
}

/** An element holding text: `leaf('cbc:ID', 'INV-1')`, `leaf('cbc:Amount', '10.00', { currencyID: 'EUR' })`. */
export const leaf = (
  name: string,
  text: string,
  attributes: Readonly<Record<string, string>> = {},
): XmlNode => ({
  name,
  attributes: Object.entries(attributes),
  text,
  children: [],
});

/**
 * An element holding children. `undefined` children are skipped, so optional business terms can be written
 * inline: `node('cac:Price', [leaf(...), baseQuantity === undefined ? undefined : leaf(...)])`.
 */
export const node = (
  name: string,
  children: ReadonlyArray<XmlNode | undefined | ReadonlyArray<XmlNode>>,
  attributes: Readonly<Record<string, string>> = {},
): XmlNode => ({
  name,
  attributes: Object.entries(attributes),
  children: children.flatMap((entry) =>
    entry === undefined ? [] : Array.isArray(entry) ? (entry as ReadonlyArray<XmlNode>) : [entry as XmlNode],
  ),
});

const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const escapeAttribute = (text: string): string =>
  escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');

/** Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, carriage return). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const render = (element: XmlNode, depth: number, out: string[]): void => {
  const indent = '  '.repeat(depth);
  const attributes = element.attributes
    .map(([key, value]) => ` ${key}="${escapeAttribute(value.replace(FORBIDDEN, ''))}"`)
    .join('');
  if (element.text !== undefined) {
    out.push(
      `${indent}<${element.name}${attributes}>${escapeText(element.text.replace(FORBIDDEN, ''))}</${element.name}>`,
    );
    return;
  }
  if (element.children.length === 0) {
    out.push(`${indent}<${element.name}${attributes}/>`);
    return;
  }
  out.push(`${indent}<${element.name}${attributes}>`);
  for (const child of element.children) render(child, depth + 1, out);
  out.push(`${indent}</${element.name}>`);
};

/** The document as UTF-8 XML text with its declaration, no trailing newline. */
export const serialiseXml = (root: XmlNode): string => {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, 0, out);
  return out.join('\n');
};
