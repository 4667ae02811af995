import { calculateInvoice } from '@accrue/domain';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import type { UblDocument } from './document.js';
import type { UblReadError } from './errors.js';
import { describeUblReadError } from './errors.js';
import { readUbl } from './read.js';
import { CREDIT_NOTE_XML, INVOICE_XML } from './testing/invoices.js';

const read = (xml: string): UblDocument => {
  const result = readUbl(xml);
  if (E.isLeft(result)) throw new Error(describeUblReadError(result.left));
  return result.right;
};

const readError = (xml: string): UblReadError => {
  const result = readUbl(xml);
  if (E.isRight(result)) throw new Error('expected the document to be refused');
  return result.left;
};

/** Replaces exactly one occurrence, so a fixture edit that stops matching fails loudly. */
const edit = (xml: string, from: string, to: string): string => {
  const first = xml.indexOf(from);
  if (first < 0 || xml.indexOf(from, first + 1) >= 0) throw new Error(`"${from}" must occur exactly once`);
  return xml.replace(from, to);
};

describe('readUbl: document', () => {
  it('reads the header, parties and notes of an Invoice', () => {
    const document = read(INVOICE_XML);
    expect(document).toMatchObject({
      kind: 'Invoice',
      id: 'INV-1',
      issueDate: '2024-03-01',
      dueDate: '2024-03-31',
      currency: 'EUR',
      taxCurrency: 'SEK',
      notes: ['First note', 'Second & last'],
      buyerReference: 'PO-77',
      seller: {
        name: 'Seller AS',
        vatId: 'NO999999999MVA',
        address: { streetName: 'Main Street 1', cityName: 'Oslo', postalZone: '0150', countryCode: 'NO' },
      },
      buyer: { name: 'Buyer AB', address: { countryCode: 'SE' } },
    });
    expect(document.buyer.vatId).toBeUndefined();
  });

  it('builds the engine input from inputs only: gross price and discount, percentage with base', () => {
    const { calculationInput: input } = read(INVOICE_XML);
    expect(input.currency).toBe('EUR');
    expect(input.lines).toHaveLength(2);
    const [first, second] = input.lines;
    expect(first?.quantity.toFixed()).toBe('3');
    expect(first?.netPrice?.toFixed()).toBe('10');
    expect(first?.grossPrice).toBeUndefined();
    expect(first?.vat.category).toBe('S');
    expect(first?.vat.rate?.toFixed()).toBe('25');
    expect(first?.unitCode).toBe('H87');
    // The stated net price (BT-146) is not passed when a gross price exists: the engine derives it.
    expect(second?.netPrice).toBeUndefined();
    expect(second?.grossPrice?.toFixed()).toBe('5');
    expect(second?.priceDiscount?.toFixed()).toBe('0.5');
    expect(second?.baseQuantity?.toFixed()).toBe('1');
    const allowance = second?.allowances?.[0];
    expect(allowance !== undefined && 'percent' in allowance).toBe(true);
    expect(allowance).toMatchObject({ reasonCode: '95' });
    expect(input.charges).toHaveLength(1);
    expect(input.charges?.[0]).toMatchObject({ reason: 'Freight', reasonCode: 'FC', vat: { category: 'S' } });
    expect(input.allowances).toBeUndefined();
    expect(input.prepaidAmount?.toFixed()).toBe('3.88');
    expect(input.payableRoundingAmount).toBeUndefined();
  });

  it('keeps the stated values apart, ignoring the TaxTotal in the tax currency', () => {
    const { stated } = read(INVOICE_XML);
    expect(stated.lines.map((line) => [line.id, line.netAmount?.toFixed(), line.netPrice.toFixed()])).toEqual(
      [
        ['1', '30', '10'],
        ['2', '8.1', '4.5'],
      ],
    );
    expect(stated.lines[1]?.allowances.map((a) => a.toFixed())).toEqual(['0.9']);
    expect(stated.charges.map((c) => c.toFixed())).toEqual(['5']);
    expect(stated.totals.taxAmount?.toFixed()).toBe('10.78');
    expect(stated.totals.payableAmount?.toFixed()).toBe('50');
    expect(stated.totals.payableRoundingAmount).toBeUndefined();
    expect(stated.taxSubtotals).toHaveLength(1);
    expect(stated.taxSubtotals[0]?.category).toBe('S');
  });

  it('recomputes the hand-checked fixture to exactly its stated values', () => {
    const document = read(INVOICE_XML);
    const calculation = calculateInvoice(document.calculationInput);
    expect(E.isRight(calculation)).toBe(true);
    if (E.isLeft(calculation)) return;
    expect(calculation.right.totals.taxAmount).toBe(1078n);
    expect(calculation.right.totals.payableAmount).toBe(5000n);
  });

  it('reads a CreditNote whatever its prefixes, with xs:decimal spellings and a default quantity', () => {
    const document = read(CREDIT_NOTE_XML);
    expect(document.kind).toBe('CreditNote');
    expect(document.dueDate).toBe('2024-05-01');
    const line = document.calculationInput.lines[0];
    expect(line?.id).toBe('A');
    expect(line?.quantity.toFixed()).toBe('1');
    expect(line?.netPrice?.toFixed()).toBe('0.5');
    expect(document.stated.totals.lineExtensionAmount?.toFixed()).toBe('0.5');
    expect(document.stated.taxSubtotals[0]?.taxableAmount.toFixed()).toBe('0.5');
  });

  it('reads CreditedQuantity on credit note lines', () => {
    const xml = edit(
      CREDIT_NOTE_XML,
      '<b:ID>A</b:ID>',
      '<b:ID>A</b:ID><b:CreditedQuantity>4</b:CreditedQuantity>',
    );
    expect(read(xml).calculationInput.lines[0]?.quantity.toFixed()).toBe('4');
  });
});

describe('readUbl: refusals name what is wrong', () => {
  it('refuses malformed XML with its position', () => {
    const error = readError(
      edit(INVOICE_XML, '</cac:InvoiceLine>\n</Invoice>', '</cac:InvoiceLine>\n</Invoic>'),
    );
    expect(error._tag).toBe('MalformedXml');
    expect(error).toHaveProperty('line');
  });

  it.each([
    ['empty text', ''],
    ['plain text', 'not xml at all'],
    ['two roots', '<Invoice/><Invoice/>'],
  ])('refuses %s as malformed XML', (_, xml) => {
    expect(readError(xml)._tag).toBe('MalformedXml');
  });

  it('refuses a root that is not Invoice or CreditNote', () => {
    expect(readError('<ubl:Order xmlns:ubl="urn:x"><ID>1</ID></ubl:Order>')).toEqual({
      _tag: 'UnknownRootElement',
      element: 'Order',
    });
  });

  it.each([
    [
      'the currency',
      '<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>',
      '',
      'Invoice/DocumentCurrencyCode',
    ],
    ['the document id', '<cbc:ID>INV-1</cbc:ID>', '', 'Invoice/ID'],
    [
      'a price',
      '<cac:Price><cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount></cac:Price>',
      '',
      'Invoice/InvoiceLine[1]/Price',
    ],
    [
      'a price amount',
      '<cbc:PriceAmount currencyID="EUR">4.50</cbc:PriceAmount>',
      '',
      'Invoice/InvoiceLine[2]/Price/PriceAmount',
    ],
    [
      'an empty price amount',
      '<cbc:PriceAmount currencyID="EUR">10.00</cbc:PriceAmount>',
      '<cbc:PriceAmount currencyID="EUR"></cbc:PriceAmount>',
      'Invoice/InvoiceLine[1]/Price/PriceAmount',
    ],
    [
      'a line VAT category',
      '<cbc:Name>Gadget</cbc:Name>\n      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>',
      '<cbc:Name>Gadget</cbc:Name>',
      'Invoice/InvoiceLine[2]/Item/ClassifiedTaxCategory',
    ],
    [
      'a line allowance amount',
      '<cbc:Amount currencyID="EUR">0.90</cbc:Amount>',
      '',
      'Invoice/InvoiceLine[2]/AllowanceCharge[1]/Amount',
    ],
  ])('refuses a document without %s', (_, from, to, path) => {
    expect(readError(edit(INVOICE_XML, from, to))).toEqual({ _tag: 'MissingElement', path });
  });

  it('refuses a document without its monetary total', () => {
    const xml = INVOICE_XML.replace(/<cac:LegalMonetaryTotal>[\s\S]*<\/cac:LegalMonetaryTotal>/, '');
    expect(readError(xml)).toEqual({ _tag: 'MissingElement', path: 'Invoice/LegalMonetaryTotal' });
  });

  it('refuses a document without lines', () => {
    const withoutLines = INVOICE_XML.replace(/<cac:InvoiceLine>[\s\S]*<\/cac:InvoiceLine>/, '');
    expect(readError(withoutLines)).toEqual({ _tag: 'MissingElement', path: 'Invoice/InvoiceLine' });
    const creditNoteWithoutLines = CREDIT_NOTE_XML.replace(
      /<a:CreditNoteLine>[\s\S]*<\/a:CreditNoteLine>/,
      '',
    );
    expect(readError(creditNoteWithoutLines)).toEqual({
      _tag: 'MissingElement',
      path: 'CreditNote/CreditNoteLine',
    });
  });

  it.each([
    [
      '12,50',
      '<cbc:PriceAmount currencyID="EUR">4.50</cbc:PriceAmount>',
      'Invoice/InvoiceLine[2]/Price/PriceAmount',
    ],
    [
      '1e2',
      '<cbc:InvoicedQuantity unitCode="H87">3</cbc:InvoicedQuantity>',
      'Invoice/InvoiceLine[1]/InvoicedQuantity',
    ],
    [
      'ten',
      '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>',
      'Invoice/InvoiceLine[2]/AllowanceCharge[1]/MultiplierFactorNumeric',
    ],
    [
      '3.88 EUR',
      '<cbc:PrepaidAmount currencyID="EUR">3.88</cbc:PrepaidAmount>',
      'Invoice/LegalMonetaryTotal/PrepaidAmount',
    ],
    ['', '<cbc:Percent>25.00</cbc:Percent>', 'Invoice/TaxTotal[1]/TaxSubtotal[1]/TaxCategory/Percent'],
  ])('refuses the number %j and names its element', (value, from, path) => {
    const to = from.replace(/>[^<]*</, `>${value}<`);
    expect(readError(edit(INVOICE_XML, from, to))).toEqual({ _tag: 'InvalidNumber', path, value });
  });

  it('refuses an unknown currency, an unsupported VAT category and a price-level charge', () => {
    expect(
      readError(edit(INVOICE_XML, '<cbc:DocumentCurrencyCode>EUR<', '<cbc:DocumentCurrencyCode>EURO<')),
    ).toMatchObject({ _tag: 'InvalidValue', path: 'Invoice/DocumentCurrencyCode', value: 'EURO' });
    expect(
      readError(
        edit(
          INVOICE_XML,
          '<cbc:Name>Widget</cbc:Name>\n      <cac:ClassifiedTaxCategory><cbc:ID>S<',
          '<cbc:Name>Widget</cbc:Name>\n      <cac:ClassifiedTaxCategory><cbc:ID>X<',
        ),
      ),
    ).toMatchObject({ _tag: 'InvalidValue', path: 'Invoice/InvoiceLine[1]/Item/ClassifiedTaxCategory/ID' });
    expect(
      readError(
        edit(
          INVOICE_XML,
          '<cbc:ChargeIndicator>false</cbc:ChargeIndicator>\n        <cbc:Amount currencyID="EUR">0.50',
          '<cbc:ChargeIndicator>true</cbc:ChargeIndicator>\n        <cbc:Amount currencyID="EUR">0.50',
        ),
      ),
    ).toMatchObject({
      _tag: 'InvalidValue',
      path: 'Invoice/InvoiceLine[2]/Price/AllowanceCharge/ChargeIndicator',
    });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        readUbl(text);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: INVOICE_XML.length }), fc.string(), (cut, noise) => {
        readUbl(INVOICE_XML.slice(0, cut) + noise);
      }),
      { numRuns: 200 },
    );
  });
});
