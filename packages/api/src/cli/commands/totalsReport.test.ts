import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { formatTotalsOutcome, totalsFromUbl } from './totalsReport.js';

/** One line of `quantity × price`, zero-rated (E), EUR; totals stated as `stated`. */
const invoice = (quantity: string, price: string, stated: string): string => `<Invoice
  xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>T-1</cbc:ID><cbc:IssueDate>2024-01-01</cbc:IssueDate><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount><cac:TaxSubtotal>
    <cbc:TaxableAmount currencyID="EUR">${stated}</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount>
    <cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">${stated}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>10</cbc:ID><cbc:InvoicedQuantity>${quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">${stated}</cbc:LineExtensionAmount>
    <cac:Item><cac:ClassifiedTaxCategory><cbc:ID>E</cbc:ID><cbc:Percent>0</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">${price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>`;

describe('totalsFromUbl', () => {
  it('shapes totals, breakdown, lines and mismatches with amounts in the currency scale', () => {
    const outcome = totalsFromUbl('a.xml', invoice('2', '12.5', '25.00'), 'half_away_from_zero');
    expect(outcome).toEqual(
      E.right({
        file: 'a.xml',
        currency: 'EUR',
        totals: {
          line_extension_amount: '25.00',
          allowance_total_amount: '0.00',
          charge_total_amount: '0.00',
          tax_exclusive_amount: '25.00',
          tax_amount: '0.00',
          tax_inclusive_amount: '25.00',
          prepaid_amount: '0.00',
          payable_rounding_amount: '0.00',
          payable_amount: '25.00',
        },
        tax_breakdown: [{ category: 'E', rate: '0', taxable_amount: '25.00', tax_amount: '0.00' }],
        lines: [{ id: '10', net_amount: '25.00' }],
        mismatches: [],
      }),
    );
  });

  it('applies the rounding mode it is given', () => {
    // 1 × 0.125: half away from zero gives 0.13, half even 0.12.
    const xml = invoice('1', '0.125', '0.13');
    const away = totalsFromUbl('r.xml', xml, 'half_away_from_zero');
    const even = totalsFromUbl('r.xml', xml, 'half_even');
    expect(E.isRight(away) && away.right.mismatches).toEqual([]);
    expect(E.isRight(even) && even.right.mismatches).toEqual([
      { what: 'line 10 net_amount', stated: '0.13', computed: '0.12' },
      { what: 'payable_amount', stated: '0.13', computed: '0.12' },
      { what: 'tax_breakdown E 0 taxable_amount', stated: '0.13', computed: '0.12' },
    ]);
  });

  it('turns an unreadable document into {file, error}', () => {
    const outcome = totalsFromUbl('bad.xml', '<Invoice>', 'half_away_from_zero');
    expect(E.isLeft(outcome) && outcome.left.file).toBe('bad.xml');
    expect(E.isLeft(outcome) && outcome.left.error).toMatch(/^malformed XML/);
    const missing = totalsFromUbl('m.xml', invoice('1', '', '0.00'), 'half_away_from_zero');
    expect(E.isLeft(missing) && missing.left.error).toBe(
      'missing element Invoice/InvoiceLine[1]/Price/PriceAmount',
    );
  });

  it('turns a document the engine refuses into {file, error} naming the issue', () => {
    // A negative price is refused by the engine (credit with a negative quantity instead).
    const outcome = totalsFromUbl('neg.xml', invoice('1', '-5', '-5.00'), 'half_away_from_zero');
    expect(E.isLeft(outcome) && outcome.left.error).toMatch(/^calculation refused the document: lines\[0\]/);
  });

  it('formats either outcome as one line of JSON', () => {
    const line = formatTotalsOutcome(E.left({ file: 'x', error: 'boom' }));
    expect(line).toBe('{"file":"x","error":"boom"}');
    expect(line).not.toContain('\n');
  });
});
