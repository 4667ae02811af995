import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { toProviderInvoice } from './providerInvoice.js';
import { amountMappingSamples, sampleIssuedInvoice } from './testing/fixtures.js';

const sum = (values: ReadonlyArray<bigint>): bigint => values.reduce((total, value) => total + value, 0n);

describe('toProviderInvoice', () => {
  for (const [name, sample] of Object.entries(amountMappingSamples)) {
    it(`${name}: line and document taxes add up to each VAT group and to the frozen totals`, () => {
      const invoice = sample();
      const taxes =
        sum(invoice.lines.map((line) => line.taxAmount)) -
        sum(invoice.allowances.map((entry) => entry.taxAmount)) +
        sum(invoice.charges.map((entry) => entry.taxAmount));
      expect(taxes).toBe(invoice.totals.taxAmount);
      expect(sum(invoice.vatBreakdown.map((group) => group.taxAmount))).toBe(invoice.totals.taxAmount);
      const nets =
        sum(invoice.lines.map((line) => line.netAmount)) -
        sum(invoice.allowances.map((entry) => entry.amount)) +
        sum(invoice.charges.map((entry) => entry.amount));
      expect(nets).toBe(invoice.totals.taxExclusiveAmount);
      expect(invoice.totals.taxExclusiveAmount + invoice.totals.taxAmount).toBe(
        invoice.totals.taxInclusiveAmount,
      );
    });
  }

  it('worked example: 19 % group of 361.50 + (−10.00) shares 66.79 as 68.69 and −1.90', () => {
    const invoice = amountMappingSamples.EUR();
    // Group S 19: taxable 351.50, tax round(66.785) = 66.79. Shares by weight 361.50 : −10.00.
    expect(invoice.lines[0]).toMatchObject({ netAmount: 36150n, taxAmount: 6869n, grossAmount: 43019n });
    expect(invoice.allowances[0]).toMatchObject({ amount: 1000n, taxAmount: 190n });
    // Group S 7: 39.98 × 7 % = 2.7986 → 2.80, all on the one line.
    expect(invoice.lines[1]).toMatchObject({ netAmount: 3998n, taxAmount: 280n });
    expect(invoice.totals.payableAmount).toBe(46107n);
  });

  it('tax-inclusive lines keep their entered gross amount and derive the net', () => {
    const invoice = amountMappingSamples.EUR_INCLUSIVE();
    // 3 × 19.99 = 59.97 incl. 21 %: VAT = round(59.97 × 21 / 121) = 10.41, net 49.56.
    expect(invoice.lines[0]).toMatchObject({ grossAmount: 5997n, netAmount: 4956n, taxAmount: 1041n });
    expect(invoice.totals.payableAmount).toBe(5997n + 2495n);
  });

  it('refuses an invoice whose content no longer reproduces its frozen totals', () => {
    const issued = sampleIssuedInvoice();
    const tampered = {
      ...issued,
      totals: { ...issued.totals, taxAmount: '69.60' as typeof issued.totals.taxAmount },
    };
    const result = toProviderInvoice(tampered);
    expect(E.isLeft(result) && result.left).toMatchObject({
      _tag: 'FrozenTotalsNotReproduced',
      field: 'taxAmount',
      frozen: 6960n,
      recalculated: 6959n,
    });
  });
});
