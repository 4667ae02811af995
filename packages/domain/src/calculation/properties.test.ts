import Big from 'big.js';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { addMoney, money, subtractMoney, toMinorUnits } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import { currencyExponent } from '../money/currency.js';
import { decimal } from '../money/decimal.js';
import type { InvoiceCalculation } from './calculate.js';
import { calculateInvoice } from './calculate.js';
import type {
  AllowanceChargeInput,
  DocumentAllowanceChargeInput,
  InvoiceCalculationInput,
  LineInput,
  VatInput,
} from './input.js';
import { vatKeyId } from './vat.js';

const CURRENCIES = ['EUR', 'JPY', 'KWD', 'SEK'] as CurrencyCode[];

/** A decimal string with up to `maxDecimals` decimals, from an integer of minor units. */
const decimalString = (min: bigint, max: bigint, maxDecimals: number): fc.Arbitrary<string> =>
  fc.tuple(fc.bigInt({ min, max }), fc.integer({ min: 0, max: maxDecimals })).map(([units, decimals]) => {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
    const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
    return negative && units !== 0n ? `-${text}` : text;
  });

const positiveRate = fc.constantFrom('25', '19', '12.5', '7', '5.5', '21', '0.5', '8.875');
const vatArbitrary = (zeroOnly: boolean): fc.Arbitrary<VatInput> =>
  zeroOnly
    ? fc.constantFrom<VatInput>(
        { category: 'Z' },
        { category: 'E', rate: decimal('0') },
        { category: 'O' },
        { category: 'AE' },
        { category: 'K' },
        { category: 'G' },
      )
    : fc.oneof(
        positiveRate.map((rate): VatInput => ({ category: 'S', rate: decimal(rate) })),
        positiveRate.map((rate): VatInput => ({ category: 'L', rate: decimal(rate) })),
        fc.constant<VatInput>({ category: 'Z' }),
      );

const allowanceCharge = (exponent: number): fc.Arbitrary<AllowanceChargeInput> =>
  fc.oneof(
    decimalString(0n, 5000n, exponent).map((amount): AllowanceChargeInput => ({ amount: decimal(amount) })),
    decimalString(0n, 10000n, 2).map((percent): AllowanceChargeInput => ({ percent: decimal(percent) })),
    fc
      .tuple(decimalString(0n, 10000n, 2), decimalString(0n, 100000n, exponent))
      .map(([percent, base]): AllowanceChargeInput => ({
        percent: decimal(percent),
        baseAmount: decimal(base),
      })),
  );

const lineArbitrary = (exponent: number, zeroOnly: boolean, inclusive: boolean): fc.Arbitrary<LineInput> =>
  fc
    .record({
      quantity: decimalString(-5000n, 500000n, 3),
      netPrice: decimalString(0n, 10000000n, 4),
      baseQuantity: fc.option(decimalString(1n, 10000n, 2), { nil: undefined }),
      vat: vatArbitrary(zeroOnly),
      allowances: fc.array(allowanceCharge(exponent), { maxLength: 2 }),
      charges: fc.array(allowanceCharge(exponent), { maxLength: 2 }),
    })
    .map((l): LineInput => ({
      id: 'x',
      quantity: decimal(l.quantity),
      netPrice: decimal(l.netPrice),
      ...(l.baseQuantity === undefined ? {} : { baseQuantity: decimal(l.baseQuantity) }),
      vat: l.vat,
      allowances: l.allowances,
      charges: l.charges,
      ...(inclusive ? { pricesIncludeTax: true } : {}),
    }));

const documentEntry = (exponent: number, zeroOnly: boolean): fc.Arbitrary<DocumentAllowanceChargeInput> =>
  fc.tuple(allowanceCharge(exponent), vatArbitrary(zeroOnly)).map(([entry, vat]) => ({ ...entry, vat }));

const invoiceArbitrary = (
  options: { zeroOnly?: boolean; inclusive?: boolean } = {},
): fc.Arbitrary<InvoiceCalculationInput> =>
  fc.constantFrom(...CURRENCIES).chain((currency) => {
    const exponent = currencyExponent(currency);
    const zeroOnly = options.zeroOnly ?? false;
    return fc.record({
      currency: fc.constant(currency),
      lines: fc
        .array(lineArbitrary(exponent, zeroOnly, options.inclusive ?? false), { minLength: 1, maxLength: 8 })
        .map((lines) => lines.map((l, i) => ({ ...l, id: String(i + 1) }))),
      allowances: fc.array(documentEntry(exponent, zeroOnly), { maxLength: 2 }),
      charges: fc.array(documentEntry(exponent, zeroOnly), { maxLength: 2 }),
      prepaidAmount: decimalString(0n, 100000n, exponent).map(decimal),
      payableRoundingAmount: decimalString(-50n, 50n, exponent).map(decimal),
    });
  });

const compute = (input: InvoiceCalculationInput): InvoiceCalculation => {
  const result = calculateInvoice(input);
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left.issues));
  return result.right;
};

const sum = (values: ReadonlyArray<bigint>): bigint => values.reduce((a, b) => a + b, 0n);

describe('calculation properties', () => {
  it('totals add up (BR-CO-10 to BR-CO-16, BR-S-08)', () => {
    fc.assert(
      fc.property(invoiceArbitrary(), (input) => {
        const { totals, lines, allowances, charges, vatBreakdown } = compute(input);
        expect(totals.lineExtensionAmount).toBe(sum(lines.map((l) => l.netAmount)));
        expect(totals.allowanceTotalAmount).toBe(sum(allowances.map((a) => a.amount)));
        expect(totals.chargeTotalAmount).toBe(sum(charges.map((c) => c.amount)));
        expect(totals.taxExclusiveAmount).toBe(
          totals.lineExtensionAmount - totals.allowanceTotalAmount + totals.chargeTotalAmount,
        );
        expect(totals.taxAmount).toBe(sum(vatBreakdown.map((v) => v.taxAmount)));
        expect(totals.taxInclusiveAmount).toBe(totals.taxExclusiveAmount + totals.taxAmount);
        expect(totals.payableAmount).toBe(
          totals.taxInclusiveAmount - totals.prepaidAmount + totals.payableRoundingAmount,
        );
        expect(sum(vatBreakdown.map((v) => v.taxableAmount))).toBe(totals.taxExclusiveAmount);
        for (const entry of vatBreakdown) {
          const id = vatKeyId(entry);
          const taxable =
            sum(lines.filter((l) => vatKeyId(l.vat) === id).map((l) => l.netAmount)) -
            sum(allowances.filter((a) => vatKeyId(a.vat) === id).map((a) => a.amount)) +
            sum(charges.filter((c) => vatKeyId(c.vat) === id).map((c) => c.amount));
          expect(entry.taxableAmount).toBe(taxable);
        }
        expect(new Set(vatBreakdown.map(vatKeyId)).size).toBe(vatBreakdown.length);
      }),
    );
  });

  it('a zero rate gives zero tax', () => {
    fc.assert(
      fc.property(invoiceArbitrary({ zeroOnly: true }), (input) => {
        const { totals, vatBreakdown } = compute(input);
        expect(totals.taxAmount).toBe(0n);
        expect(vatBreakdown.every((v) => v.taxAmount === 0n)).toBe(true);
        expect(totals.taxInclusiveAmount).toBe(totals.taxExclusiveAmount);
      }),
    );
  });

  it('rounds only at the documented points (checked against an independent big.js computation)', () => {
    const Oracle = Big();
    Oracle.DP = 60;
    const HALF_AWAY_FROM_ZERO = 1; // big.js roundHalfUp rounds ties away from zero
    fc.assert(
      fc.property(invoiceArbitrary(), (input) => {
        const exponent = currencyExponent(input.currency);
        const toUnits = (value: Big.Big): bigint => BigInt(value.times(Oracle(10).pow(exponent)).toFixed(0));
        const round = (value: Big.Big): bigint => toUnits(value.round(exponent, HALF_AWAY_FROM_ZERO));
        const amountOf = (entry: AllowanceChargeInput, base: bigint): bigint =>
          'amount' in entry
            ? toUnits(Oracle(entry.amount.toFixed()))
            : round(
                Oracle(
                  entry.baseAmount?.toFixed() ??
                    Oracle(base.toString()).div(Oracle(10).pow(exponent)).toFixed(),
                )
                  .times(entry.percent.toFixed())
                  .div(100),
              );
        const expectedLines = input.lines.map((l) => {
          const lineAmount = round(
            Oracle(l.quantity.toFixed())
              .times(l.netPrice?.toFixed() ?? '0')
              .div(l.baseQuantity?.toFixed() ?? '1'),
          );
          return (
            lineAmount -
            sum((l.allowances ?? []).map((a) => amountOf(a, lineAmount))) +
            sum((l.charges ?? []).map((c) => amountOf(c, lineAmount)))
          );
        });
        const result = compute(input);
        expect(result.lines.map((l) => l.netAmount)).toEqual(expectedLines);
        for (const entry of result.vatBreakdown) {
          const expectedTax = round(
            Oracle(entry.taxableAmount.toString())
              .div(Oracle(10).pow(exponent))
              .times(entry.rate?.toFixed() ?? '0')
              .div(100),
          );
          expect(entry.taxAmount).toBe(expectedTax);
        }
      }),
    );
  });

  it('inclusive and exclusive pricing agree on the same net', () => {
    fc.assert(
      fc.property(invoiceArbitrary({ inclusive: true }), (inclusiveInput) => {
        const input = { ...inclusiveInput, pricesIncludeTax: true };
        const inclusive = compute(input);
        // The customer pays exactly what the inclusive prices say, after discounts and charges.
        const entered = sum(inclusive.lines.map((l) => l.inclusiveAmount ?? 0n));
        const documentEntries =
          sum(inclusive.charges.map((c) => c.inclusiveAmount ?? 0n)) -
          sum(inclusive.allowances.map((a) => a.inclusiveAmount ?? 0n));
        expect(inclusive.totals.taxInclusiveAmount).toBe(entered + documentEntries);

        // Re-entering the derived nets as exclusive prices gives the same nets and taxable amounts, and the
        // same VAT wherever the inclusive total was reachable (at most one minor unit apart per VAT group).
        const exclusive = compute({
          currency: input.currency,
          lines: inclusive.lines.map((l) => ({
            id: l.id,
            quantity: decimal('1'),
            netPrice: decimal(l.netAmount < 0n ? '0' : unitsToDecimal(l.netAmount, input.currency)),
            vat:
              l.vat.rate === undefined
                ? { category: l.vat.category }
                : { category: l.vat.category, rate: l.vat.rate },
            ...(l.netAmount < 0n
              ? {
                  charges: [],
                  allowances: [{ amount: decimal(unitsToDecimal(-l.netAmount, input.currency)) }],
                }
              : {}),
          })),
          allowances: inclusive.allowances.map((a) => ({
            amount: decimal(unitsToDecimal(a.amount, input.currency)),
            vat: vatInput(a.vat),
          })),
          charges: inclusive.charges.map((c) => ({
            amount: decimal(unitsToDecimal(c.amount, input.currency)),
            vat: vatInput(c.vat),
          })),
        });
        expect(exclusive.totals.taxExclusiveAmount).toBe(inclusive.totals.taxExclusiveAmount);
        expect(exclusive.vatBreakdown.map((v) => v.taxableAmount)).toEqual(
          inclusive.vatBreakdown.map((v) => v.taxableAmount),
        );
        exclusive.vatBreakdown.forEach((v, i) => {
          const difference = v.taxAmount - (inclusive.vatBreakdown[i]?.taxAmount ?? 0n);
          expect(difference >= -1n && difference <= 1n).toBe(true);
        });
      }),
    );
  });

  it('currencies never mix', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.constantFrom(...CURRENCIES),
        fc.bigInt(),
        fc.bigInt(),
        (a, b, x, y) => {
          const added = addMoney(money(x, a), money(y, b));
          const subtracted = subtractMoney(money(x, a), money(y, b));
          if (a === b) {
            expect(added).toEqual(E.right(money(x + y, a)));
            expect(subtracted).toEqual(E.right(money(x - y, a)));
          } else {
            expect(E.isLeft(added) && E.isLeft(subtracted)).toBe(true);
          }
        },
      ),
    );
  });

  it('amounts round-trip through minor units in every currency scale', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CURRENCIES),
        fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }),
        (currency, units) => {
          expect(toMinorUnits(decimal(unitsToDecimal(units, currency)), currency)).toEqual(E.right(units));
        },
      ),
    );
  });
});

const vatInput = (key: { category: VatInput['category']; rate: VatInput['rate'] }): VatInput =>
  key.rate === undefined ? { category: key.category } : { category: key.category, rate: key.rate };

const unitsToDecimal = (units: bigint, currency: CurrencyCode): string => {
  const exponent = currencyExponent(currency);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(exponent + 1, '0');
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
};
