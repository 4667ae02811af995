import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { formatMinorUnits } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import { decimal, pow10, toScaledInteger } from '../money/decimal.js';
import type { RoundingMode } from '../money/rounding.js';
import type { InvoiceCalculation } from './calculate.js';
import { calculateInvoice } from './calculate.js';
import type { DocumentAllowanceChargeInput, InvoiceCalculationInput, LineInput } from './input.js';
import type { InvalidCalculationInput } from './issues.js';

const EUR = 'EUR' as CurrencyCode;
const S25 = { category: 'S' as const, rate: decimal('25') };

const line = (id: string, quantity: string, netPrice: string, extra: Partial<LineInput> = {}): LineInput => ({
  id,
  quantity: decimal(quantity),
  netPrice: decimal(netPrice),
  vat: S25,
  ...extra,
});

const calculate = (input: InvoiceCalculationInput, rounding?: RoundingMode): InvoiceCalculation => {
  const result = calculateInvoice(input, rounding === undefined ? {} : { rounding });
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left.issues));
  return result.right;
};

const refused = (input: InvoiceCalculationInput): InvalidCalculationInput => {
  const result = calculateInvoice(input);
  if (E.isRight(result)) throw new Error('expected the calculation to refuse its input');
  return result.left;
};

/** Totals as decimal strings, the way people read them. */
const readable = (calculation: InvoiceCalculation): Record<string, string> =>
  Object.fromEntries(
    Object.entries(calculation.totals).map(([key, value]: [string, bigint]) => [
      key,
      formatMinorUnits(value, calculation.currency),
    ]),
  );

describe('calculateInvoice: worked examples', () => {
  it('computes a two-line invoice with a document charge, allowance, prepaid and rounding by hand', () => {
    // line 1: 10 × 120.00 = 1200.00, line 2: 2 × 50.00 = 100.00 → BT-106 1300.00
    // charge 25.00, allowance 10.00 → BT-109 1315.00; VAT 25 % of 1315.00 = 328.75; BT-112 1643.75
    const result = calculate({
      currency: EUR,
      lines: [line('1', '10', '120'), line('2', '2', '50')],
      charges: [{ amount: decimal('25'), vat: S25, reason: 'Freight' }],
      allowances: [{ amount: decimal('10'), vat: S25, reason: 'Loyalty' }],
      prepaidAmount: decimal('100'),
      payableRoundingAmount: decimal('0.25'),
    });
    expect(readable(result)).toEqual({
      lineExtensionAmount: '1300.00',
      allowanceTotalAmount: '10.00',
      chargeTotalAmount: '25.00',
      taxExclusiveAmount: '1315.00',
      taxAmount: '328.75',
      taxInclusiveAmount: '1643.75',
      prepaidAmount: '100.00',
      payableRoundingAmount: '0.25',
      payableAmount: '1544.00',
    });
  });

  it('rounds the line amount once, with the chosen mode: 3.5 × 19.99 = 69.965', () => {
    const input = { currency: EUR, lines: [line('1', '3.5', '19.99')] };
    expect(calculate(input).lines[0]?.netAmount).toBe(6997n);
    expect(calculate(input, 'half_even').lines[0]?.netAmount).toBe(6996n);
    expect(calculate(input, 'half_up').lines[0]?.netAmount).toBe(6997n);
  });

  it('rounds negative halves by mode: −1 × 0.125 × 1 / 1 in EUR', () => {
    const input = { currency: EUR, lines: [line('1', '-1', '0.125')] };
    expect(calculate(input).lines[0]?.netAmount).toBe(-13n);
    expect(calculate(input, 'half_up').lines[0]?.netAmount).toBe(-12n);
  });

  it('divides by the base quantity exactly: 486 × 4.9715 / 1 and 7 × 10.00 / 3', () => {
    const result = calculate({
      currency: EUR,
      lines: [line('1', '486', '4.9715'), line('2', '7', '10', { baseQuantity: decimal('3') })],
    });
    expect(result.lines.map((l) => l.netAmount)).toEqual([241615n, 2333n]);
  });

  it('computes VAT once per category and rate on the summed base, not per line', () => {
    // Three lines of 0.10 at 25 %: per line 0.025 → 0.03 each = 0.09; on the base 0.30 → 0.075 → 0.08.
    const result = calculate({
      currency: EUR,
      lines: [line('1', '1', '0.10'), line('2', '1', '0.10'), line('3', '1', '0.10')],
    });
    expect(result.vatBreakdown).toHaveLength(1);
    expect(result.vatBreakdown[0]?.taxableAmount).toBe(30n);
    expect(result.vatBreakdown[0]?.taxAmount).toBe(8n);
  });

  it('keeps each category and rate apart, including document-level entries', () => {
    const result = calculate({
      currency: EUR,
      lines: [
        line('1', '1', '100'),
        line('2', '1', '50', { vat: { category: 'S', rate: decimal('12.5') } }),
        line('3', '1', '20', { vat: { category: 'E', exemptionReason: 'Exempt education' } }),
      ],
      allowances: [
        { percent: decimal('10'), baseAmount: decimal('50'), vat: { category: 'S', rate: decimal('12.50') } },
      ],
    });
    expect(
      result.vatBreakdown.map((entry) => ({
        key: `${entry.category}|${entry.rate?.toFixed() ?? ''}`,
        taxable: entry.taxableAmount,
        tax: entry.taxAmount,
        reason: entry.exemptionReason,
      })),
    ).toEqual([
      { key: 'S|25', taxable: 10000n, tax: 2500n, reason: undefined },
      { key: 'S|12.5', taxable: 4500n, tax: 563n, reason: undefined }, // 45.00 × 12.5 % = 5.625 → 5.63
      { key: 'E|0', taxable: 2000n, tax: 0n, reason: 'Exempt education' },
    ]);
    expect(result.allowances[0]?.amount).toBe(500n);
  });

  it('derives the net price from gross price less price discount', () => {
    const result = calculate({
      currency: EUR,
      lines: [
        {
          id: '1',
          quantity: decimal('4'),
          grossPrice: decimal('10'),
          priceDiscount: decimal('1.5'),
          vat: S25,
        },
      ],
    });
    expect(result.lines[0]?.netPrice.toFixed()).toBe('8.5');
    expect(result.lines[0]?.netAmount).toBe(3400n);
  });

  it('applies line allowances and charges, amounts and percentages of the line amount', () => {
    const result = calculate({
      currency: EUR,
      lines: [
        line('1', '3', '33.33', {
          allowances: [{ percent: decimal('10') }, { amount: decimal('1.00') }],
          charges: [{ percent: decimal('2.5'), baseAmount: decimal('10') }],
        }),
      ],
    });
    // 99.99; −10 % = 9.999 → 10.00; −1.00; +2.5 % of 10.00 = 0.25 → 89.24
    expect(result.lines[0]?.lineAmount).toBe(9999n);
    expect(result.lines[0]?.allowances.map((a) => a.amount)).toEqual([1000n, 100n]);
    expect(result.lines[0]?.charges.map((c) => c.amount)).toEqual([25n]);
    expect(result.lines[0]?.netAmount).toBe(8924n);
  });

  it('applies a document percentage to the sum of line nets by default', () => {
    const result = calculate({
      currency: EUR,
      lines: [line('1', '1', '80'), line('2', '1', '19.99')],
      allowances: [{ percent: decimal('5'), vat: S25 }],
    });
    expect(result.allowances[0]?.baseAmount).toBe(9999n);
    expect(result.allowances[0]?.amount).toBe(500n); // 4.9995 → 5.00
  });

  it('is exact in a zero-decimal currency (JPY)', () => {
    const JPY = 'JPY' as CurrencyCode;
    const result = calculate({
      currency: JPY,
      lines: [line('1', '3', '333.5', { vat: { category: 'S', rate: decimal('10') } })],
    });
    // 1000.5 → 1001 yen; VAT 100.1 → 100 yen.
    expect(readable(result)).toMatchObject({
      lineExtensionAmount: '1001',
      taxAmount: '100',
      payableAmount: '1101',
    });
    expect(E.isLeft(calculateInvoice({ currency: JPY, lines: [], prepaidAmount: decimal('0.5') }))).toBe(
      true,
    );
  });

  it('is exact in a three-decimal currency (KWD, BHD)', () => {
    const BHD = 'BHD' as CurrencyCode;
    const result = calculate({
      currency: BHD,
      lines: [line('1', '2', '1.2345', { vat: { category: 'S', rate: decimal('10') } })],
      charges: [{ amount: decimal('0.125'), vat: { category: 'S', rate: decimal('10') } }],
    });
    // 2.469 + 0.125 = 2.594; VAT 0.2594 → 0.259; total 2.853
    expect(readable(result)).toMatchObject({
      taxExclusiveAmount: '2.594',
      taxAmount: '0.259',
      payableAmount: '2.853',
    });
    const KWD = 'KWD' as CurrencyCode;
    expect(
      calculate({ currency: KWD, lines: [line('1', '1', '0.001', { vat: { category: 'Z' } })] }).totals
        .payableAmount,
    ).toBe(1n);
  });
});

describe('calculateInvoice: tax-inclusive prices', () => {
  it('derives the net so that net + VAT is the inclusive price', () => {
    const result = calculate({
      currency: EUR,
      pricesIncludeTax: true,
      lines: [line('1', '1', '100', { vat: { category: 'S', rate: decimal('19') } })],
    });
    expect(readable(result)).toMatchObject({
      taxExclusiveAmount: '84.03',
      taxAmount: '15.97',
      taxInclusiveAmount: '100.00',
    });
    expect(result.lines[0]?.inclusiveAmount).toBe(10000n);
  });

  it('keeps the gross total equal to the inclusive prices after discounts, over many lines', () => {
    const prices = ['9.99', '0.01', '19.95', '4.49', '1.00', '0.99', '7.77'];
    const result = calculate({
      currency: EUR,
      pricesIncludeTax: true,
      lines: prices.map((price, i) => line(String(i), '1', price)),
      allowances: [{ amount: decimal('2.00'), vat: S25 }],
    });
    // 44.20 of prices less 2.00 discount = 42.20, VAT included.
    expect(result.totals.taxInclusiveAmount).toBe(4220n);
    expect(result.totals.taxExclusiveAmount + result.totals.taxAmount).toBe(4220n);
    // The net share of each line is within one cent of price ÷ 1.25.
    result.lines.forEach((l, i) => {
      const exact =
        (toScaledInteger(decimal(prices[i] ?? '0')).coefficient * 10000n) /
        125n /
        pow10(toScaledInteger(decimal(prices[i] ?? '0')).scale);
      expect(l.netAmount - exact <= 1n && exact - l.netAmount <= 1n).toBe(true);
    });
  });

  it('keeps the inclusive total when no net reaches it exactly (VAT one cent off, inside BR-CO-17)', () => {
    // 0.02 at 25 %: N = 0.01 gives 0.01 + 0.00; N = 0.02 gives 0.02 + 0.01. No N adds up to 0.02.
    const result = calculate({ currency: EUR, pricesIncludeTax: true, lines: [line('1', '1', '0.02')] });
    expect(result.totals.taxInclusiveAmount).toBe(2n);
    expect(result.totals.taxExclusiveAmount).toBe(2n);
    expect(result.totals.taxAmount).toBe(0n);
  });

  it('mixes inclusive and exclusive lines of one rate on the summed base', () => {
    const result = calculate({
      currency: EUR,
      lines: [line('1', '1', '125', { pricesIncludeTax: true }), line('2', '1', '100')],
    });
    expect(readable(result)).toMatchObject({
      taxExclusiveAmount: '200.00',
      taxAmount: '50.00',
      taxInclusiveAmount: '250.00',
    });
  });
});

describe('calculateInvoice: refused input', () => {
  it('names every offending field', () => {
    const badAllowance: DocumentAllowanceChargeInput = { amount: decimal('1.001'), vat: S25 };
    const error = refused({
      currency: EUR,
      lines: [
        line('1', '1', '10', { baseQuantity: decimal('0') }),
        line('2', '1', '-10'),
        { id: '3', quantity: decimal('1'), vat: S25 },
        line('4', '1', '10', { vat: { category: 'S' } }),
        line('5', '1', '10', { vat: { category: 'E', rate: decimal('5') } }),
        line('6', '1', '10', { vat: { category: 'O', rate: decimal('5') } }),
        line('7', '1', '10', { vat: { category: 'S', rate: decimal('0') } }),
        {
          id: '8',
          quantity: decimal('1'),
          netPrice: decimal('9'),
          grossPrice: decimal('10'),
          priceDiscount: decimal('2'),
          vat: S25,
        },
        line('9', '1', '10', { allowances: [{ percent: decimal('-5') }] }),
      ],
      allowances: [badAllowance],
      prepaidAmount: decimal('0.001'),
    });
    expect(error.issues.map((issue) => `${issue.path} ${issue.code}`)).toEqual([
      'lines[0].baseQuantity invalid_base_quantity',
      'lines[1].netPrice negative_price',
      'lines[2].netPrice price_missing',
      'lines[3].vat.rate invalid_vat_rate',
      'lines[4].vat.rate invalid_vat_rate',
      'lines[5].vat.rate invalid_vat_rate',
      'lines[6].vat.rate invalid_vat_rate',
      'lines[7].netPrice price_inconsistent',
      'lines[8].allowances[0].percent negative_percentage',
      'allowances[0].amount amount_precision_exceeded',
      'prepaidAmount amount_precision_exceeded',
    ]);
  });

  it('accepts an empty draft', () => {
    expect(calculate({ currency: EUR, lines: [] }).totals.payableAmount).toBe(0n);
  });
});
