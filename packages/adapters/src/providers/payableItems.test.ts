import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { toPayableItems } from './payableItems.js';
import { amountMappingSamples, sampleProviderInvoice } from './testing/fixtures.js';

const sum = (items: ReadonlyArray<{ quantity: bigint; unitAmount: bigint }>) =>
  items.reduce((total, item) => total + item.quantity * item.unitAmount, 0n);

describe('toPayableItems', () => {
  it('sums to the payable amount exactly, every item positive, for every sample', () => {
    const samples = [
      ...Object.values(amountMappingSamples).map((sample) => sample()),
      sampleProviderInvoice({
        charges: [{ amount: '7.50', reason: 'Shipping', vat: { category: 'S', rate: '19' } }],
      }),
      sampleProviderInvoice({
        allowances: [
          { amount: '10.00', reason: 'Loyalty', vat: { category: 'S', rate: '19' } },
          { amount: '3.33', reason: 'Promo', vat: { category: 'S', rate: '7' } },
        ],
      }),
    ];
    for (const invoice of samples) {
      const items = toPayableItems(invoice);
      if (E.isLeft(items)) throw new Error(items.left._tag);
      expect(sum(items.right), invoice.number).toBe(invoice.totals.payableAmount);
      expect(items.right.every((item) => item.unitAmount > 0n && item.quantity >= 1n)).toBe(true);
    }
  });

  it('without document allowances each line is worth its net amount plus its tax', () => {
    const invoice = amountMappingSamples.JPY();
    expect(toPayableItems(invoice)).toEqual(
      E.right([
        { description: 'Tea set', quantity: 3n, unitAmount: 1375n },
        { description: 'Rice crackers (qty 7)', quantity: 1n, unitAmount: 2517n },
      ]),
    );
  });

  it('a fractional quantity goes as quantity 1 with the quantity in the description', () => {
    const invoice = sampleProviderInvoice({
      lines: [
        {
          id: '1',
          description: 'Hours',
          quantity: '1.5',
          netPrice: '80.00',
          vat: { category: 'S', rate: '19' },
        },
      ],
      allowances: [],
    });
    expect(toPayableItems(invoice)).toEqual(
      E.right([{ description: 'Hours (qty 1.5)', quantity: 1n, unitAmount: 14280n }]),
    );
  });

  it('is the same on every call (retries match items against it)', () => {
    const invoice = amountMappingSamples.EUR();
    expect(toPayableItems(invoice)).toEqual(toPayableItems(amountMappingSamples.EUR()));
  });
});
