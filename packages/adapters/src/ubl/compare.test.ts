import { calculateInvoice } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import type { Mismatch } from './compare.js';
import { compareWithStated } from './compare.js';
import { readUbl } from './read.js';
import { CREDIT_NOTE_XML, INVOICE_XML } from './testing/invoices.js';

const mismatchesOf = (xml: string): ReadonlyArray<Mismatch> => {
  const document = readUbl(xml);
  if (E.isLeft(document)) throw new Error(`unreadable fixture: ${document.left._tag}`);
  const calculation = calculateInvoice(document.right.calculationInput);
  if (E.isLeft(calculation)) throw new Error('the engine refused the fixture');
  return compareWithStated(document.right, calculation.right);
};

const edit = (xml: string, from: string, to: string): string => {
  const first = xml.indexOf(from);
  if (first < 0 || xml.indexOf(from, first + 1) >= 0) throw new Error(`"${from}" must occur exactly once`);
  return xml.replace(from, to);
};

describe('compareWithStated', () => {
  it('finds nothing in self-consistent documents', () => {
    expect(mismatchesOf(INVOICE_XML)).toEqual([]);
    expect(mismatchesOf(CREDIT_NOTE_XML)).toEqual([]);
  });

  it('reports a stated line net amount that is not quantity × price, and only that', () => {
    const xml = edit(
      INVOICE_XML,
      '<cbc:LineExtensionAmount currencyID="EUR">30.00<',
      '<cbc:LineExtensionAmount currencyID="EUR">31<',
    );
    expect(mismatchesOf(xml)).toEqual([{ what: 'line 1 net_amount', stated: '31.00', computed: '30.00' }]);
  });

  it('reports a stated net price that is not gross price less discount', () => {
    const xml = edit(INVOICE_XML, '>4.50<', '>4.40<');
    expect(mismatchesOf(xml)).toEqual([{ what: 'line 2 net_price', stated: '4.4', computed: '4.5' }]);
  });

  it('reports line and document allowance/charge amounts that disagree with their percentage', () => {
    const lineAllowance = edit(INVOICE_XML, '>0.90<', '>0.80<');
    expect(mismatchesOf(lineAllowance)).toEqual([
      { what: 'line 2 allowance 1 amount', stated: '0.80', computed: '0.90' },
    ]);
    // 10 % of 50.00 is 5.00, not the stated 5.01.
    const documentCharge = edit(
      INVOICE_XML,
      '<cbc:Amount currencyID="EUR">5.00</cbc:Amount>',
      '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric><cbc:Amount currencyID="EUR">5.01</cbc:Amount><cbc:BaseAmount currencyID="EUR">50.00</cbc:BaseAmount>',
    );
    expect(mismatchesOf(documentCharge)).toEqual([
      { what: 'charge 1 amount', stated: '5.01', computed: '5.00' },
    ]);
  });

  it('compares totals numerically, whatever the number of decimals stated', () => {
    expect(mismatchesOf(edit(INVOICE_XML, '>50.00<', '>50.000<'))).toEqual([]);
    expect(mismatchesOf(edit(INVOICE_XML, '>50.00<', '>50.001<'))).toEqual([
      { what: 'payable_amount', stated: '50.001', computed: '50.00' },
    ]);
    expect(mismatchesOf(edit(INVOICE_XML, '>53.88<', '>53.87<'))).toEqual([
      { what: 'tax_inclusive_amount', stated: '53.87', computed: '53.88' },
    ]);
  });

  it('pairs VAT breakdowns by category and numeric rate, reporting entries on one side only', () => {
    const otherRate = edit(INVOICE_XML, '<cbc:Percent>25.00</cbc:Percent>', '<cbc:Percent>12</cbc:Percent>');
    expect(mismatchesOf(otherRate)).toEqual([
      { what: 'tax_breakdown S 12 taxable_amount', stated: '43.10', computed: null },
      { what: 'tax_breakdown S 12 tax_amount', stated: '10.78', computed: null },
      { what: 'tax_breakdown S 25 taxable_amount', stated: null, computed: '43.10' },
      { what: 'tax_breakdown S 25 tax_amount', stated: null, computed: '10.78' },
    ]);
    const wrongTax = edit(
      INVOICE_XML,
      '<cbc:TaxAmount currencyID="EUR">10.78</cbc:TaxAmount>\n      <cac:TaxCategory>',
      '<cbc:TaxAmount currencyID="EUR">10.77</cbc:TaxAmount>\n      <cac:TaxCategory>',
    );
    expect(mismatchesOf(wrongTax)).toEqual([
      { what: 'tax_breakdown S 25 tax_amount', stated: '10.77', computed: '10.78' },
    ]);
  });
});
