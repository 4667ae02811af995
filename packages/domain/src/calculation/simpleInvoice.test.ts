import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import type { CurrencyCode } from '../money/currency.js';
import { decimal } from '../money/decimal.js';
import { calculateInvoice } from './calculate.js';
import type { SimpleInvoice } from './simpleInvoice.js';
import { simpleInvoiceToCalculationInput } from './simpleInvoice.js';

const EUR = 'EUR' as CurrencyCode;

const totalsOf = (simple: SimpleInvoice) => {
  const input = simpleInvoiceToCalculationInput(simple);
  if (E.isLeft(input)) throw new Error(JSON.stringify(input.left));
  const result = calculateInvoice(input.right);
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
  return result.right;
};

describe('simple provider shapes', () => {
  it('maps a single invoice-level rate and a percentage discount (Corebill)', () => {
    const result = totalsOf({
      currency: EUR,
      taxRate: decimal('20'),
      discount: { percent: decimal('10') },
      lines: [
        { quantity: decimal('2'), unitPrice: decimal('50') },
        { quantity: decimal('1'), unitPrice: decimal('25.50') },
      ],
    });
    // 125.50 − 12.55 = 112.95; VAT 20 % = 22.59; total 135.54
    expect(result.totals.allowanceTotalAmount).toBe(1255n);
    expect(result.totals.taxExclusiveAmount).toBe(11295n);
    expect(result.totals.taxAmount).toBe(2259n);
    expect(result.totals.payableAmount).toBe(13554n);
  });

  it('splits a fixed discount over per-line rates exactly (Invoro, Stripe)', () => {
    const result = totalsOf({
      currency: EUR,
      discount: { amount: decimal('10.00') },
      lines: [
        { quantity: decimal('1'), unitPrice: decimal('100'), taxRate: decimal('21') },
        { quantity: decimal('1'), unitPrice: decimal('50'), taxRate: decimal('9') },
        { quantity: decimal('1'), unitPrice: decimal('50'), taxRate: decimal('0') },
      ],
    });
    expect(result.allowances.map((a) => [a.vat.category, a.vat.rate?.toFixed(), a.amount])).toEqual([
      ['S', '21', 500n],
      ['S', '9', 250n],
      ['Z', '0', 250n],
    ]);
    expect(result.totals.allowanceTotalAmount).toBe(1000n);
    // VAT: 95.00 × 21 % = 19.95; 47.50 × 9 % = 4.275 → 4.28
    expect(result.totals.taxAmount).toBe(1995n + 428n);
  });

  it('refuses a line without any tax rate, and a discount finer than the currency', () => {
    expect(
      E.isLeft(
        simpleInvoiceToCalculationInput({
          currency: EUR,
          lines: [{ quantity: decimal('1'), unitPrice: decimal('1') }],
        }),
      ),
    ).toBe(true);
    expect(
      E.isLeft(
        simpleInvoiceToCalculationInput({
          currency: 'JPY' as CurrencyCode,
          taxRate: decimal('10'),
          discount: { amount: decimal('0.5') },
          lines: [{ quantity: decimal('1'), unitPrice: decimal('100') }],
        }),
      ),
    ).toBe(true);
  });

  it('keeps tax-inclusive prices (Stripe inclusive rates)', () => {
    const result = totalsOf({
      currency: EUR,
      pricesIncludeTax: true,
      lines: [{ quantity: decimal('3'), unitPrice: decimal('9.99'), taxRate: decimal('19') }],
    });
    expect(result.totals.taxInclusiveAmount).toBe(2997n);
  });
});
