import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { CurrencyCode } from '../money/currency.js';
import type { Decimal } from '../money/decimal.js';
import { DecimalFromString, ZERO, decimal } from '../money/decimal.js';
import { formatMinorUnits, toMinorUnits } from '../money/amount.js';
import type { RoundingMode } from '../money/rounding.js';
import { allocateProportionally } from './allocation.js';
import { calculateInvoice } from './calculate.js';
import type { DocumentAllowanceChargeInput, InvoiceCalculationInput, LineInput, VatInput } from './input.js';
import type { InvalidCalculationInput } from './issues.js';
import { invalidCalculationInput } from './issues.js';
import type { VatKey } from './vat.js';
import { vatKeyId } from './vat.js';

/**
 * The simple invoice shapes the providers use, mapped onto the one EN 16931 model:
 * - a single invoice-level tax rate with a percentage or fixed discount (Corebill);
 * - per-line tax rates (Invoro, Stripe), optionally with tax-inclusive prices (Stripe inclusive rates).
 *
 * A rate above zero is VAT category S, a zero rate category Z. A discount becomes one document-level
 * allowance per VAT rate, so each carries its own category and rate as EN 16931 requires: a percentage
 * applies to each rate's line total, a fixed amount is split over the rates in proportion to their line
 * totals (largest remainder, so the parts add up to the discount exactly).
 */
export const SimpleInvoice = t.intersection(
  [
    t.strict({
      currency: CurrencyCode,
      lines: t.readonlyArray(
        t.intersection([
          t.strict({ quantity: DecimalFromString, unitPrice: DecimalFromString }),
          t.partial({ id: t.string, description: t.string, taxRate: DecimalFromString }),
        ]),
      ),
    }),
    t.partial({
      taxRate: DecimalFromString,
      discount: t.union([t.strict({ percent: DecimalFromString }), t.strict({ amount: DecimalFromString })]),
      pricesIncludeTax: t.boolean,
    }),
  ],
  'SimpleInvoice',
);
export type SimpleInvoice = t.TypeOf<typeof SimpleInvoice>;

const vatForRate = (rate: Decimal): VatInput => (rate.eq(ZERO) ? { category: 'Z' } : { category: 'S', rate });

const vatInputOf = (key: VatKey): VatInput =>
  key.rate === undefined ? { category: key.category } : { category: key.category, rate: key.rate };

export const simpleInvoiceToCalculationInput = (
  simple: SimpleInvoice,
  options: { readonly rounding?: RoundingMode } = {},
): E.Either<InvalidCalculationInput, InvoiceCalculationInput> => {
  const missingRates = simple.lines.flatMap((line, index) =>
    (line.taxRate ?? simple.taxRate) === undefined
      ? [
          {
            path: `lines[${index}].taxRate`,
            code: 'invalid_vat_rate' as const,
            message: 'a line needs a tax rate, or the invoice one',
          },
        ]
      : [],
  );
  if (missingRates.length > 0) return E.left(invalidCalculationInput(missingRates));

  const lines = simple.lines.map((line, index): LineInput => ({
    id: line.id ?? String(index + 1),
    quantity: line.quantity,
    netPrice: line.unitPrice,
    vat: vatForRate(line.taxRate ?? simple.taxRate ?? ZERO),
    ...(line.description === undefined ? {} : { description: line.description }),
  }));
  const base: InvoiceCalculationInput = {
    currency: simple.currency,
    lines,
    ...(simple.pricesIncludeTax === undefined ? {} : { pricesIncludeTax: simple.pricesIncludeTax }),
  };
  const { discount } = simple;
  if (discount === undefined) return E.right(base);
  let discountUnits = 0n;
  if ('amount' in discount) {
    const units = toMinorUnits(discount.amount, simple.currency);
    if (E.isLeft(units)) {
      return E.left(
        invalidCalculationInput([
          {
            path: 'discount.amount',
            code: 'amount_precision_exceeded',
            message: `${discount.amount.toFixed()} is not a whole number of ${simple.currency} minor units`,
          },
        ]),
      );
    }
    discountUnits = units.right;
  }

  return E.map((linesOnly: { lines: ReadonlyArray<{ vat: VatKey; lineAmount: bigint }> }) => {
    const groups = new Map<string, { vat: VatKey; total: bigint }>();
    for (const line of linesOnly.lines) {
      const id = vatKeyId(line.vat);
      const group = groups.get(id) ?? { vat: line.vat, total: 0n };
      groups.set(id, { ...group, total: group.total + line.lineAmount });
    }
    const entries = [...groups.values()];
    const allowances: DocumentAllowanceChargeInput[] =
      'percent' in discount
        ? entries.map((group) => ({
            percent: discount.percent,
            baseAmount: decimal(formatMinorUnits(group.total, simple.currency)),
            vat: vatInputOf(group.vat),
            reason: 'Discount',
          }))
        : allocateProportionally(
            discountUnits,
            entries.map((group) => group.total),
          ).map((share, i) => ({
            amount: decimal(formatMinorUnits(share, simple.currency)),
            vat: vatInputOf(entries[i]?.vat ?? { category: 'Z', rate: ZERO }),
            reason: 'Discount',
          }));
    return { ...base, allowances: allowances.filter((a) => !('amount' in a) || !a.amount.eq(ZERO)) };
  })(calculateInvoice(base, options));
};
