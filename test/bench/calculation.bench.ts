import * as E from 'fp-ts/lib/Either.js';
import { Bench } from 'tinybench';

import type { CurrencyCode, InvoiceCalculationInput, LineInput } from '@accrue/domain';
import { calculateInvoice, decimal } from '@accrue/domain';

import type { BenchReport } from './report.js';

const RATES = ['25', '12', '6', '0'];

/**
 * A 1,000-line invoice that exercises every rounding point: fractional quantities and prices, base
 * quantities, line percentage allowances and charges, four VAT rates, document allowance and charge.
 */
export const thousandLineInvoice = (pricesIncludeTax: boolean): InvoiceCalculationInput => ({
  currency: 'EUR' as CurrencyCode,
  pricesIncludeTax,
  lines: Array.from({ length: 1000 }, (_, i): LineInput => {
    const rate = RATES[i % RATES.length] ?? '25';
    return {
      id: String(i + 1),
      quantity: decimal(`${(i % 17) + 1}.${i % 1000}`),
      netPrice: decimal(`${(i * 7) % 500}.${(i * 13) % 10000}`),
      baseQuantity: decimal(i % 5 === 0 ? '3' : '1'),
      vat: rate === '0' ? { category: 'Z' } : { category: 'S', rate: decimal(rate) },
      allowances: i % 3 === 0 ? [{ percent: decimal('7.5') }] : [],
      charges: i % 11 === 0 ? [{ amount: decimal('1.25') }] : [],
    };
  }),
  allowances: [{ percent: decimal('2'), vat: { category: 'S', rate: decimal('25') } }],
  charges: [{ amount: decimal('49.90'), vat: { category: 'S', rate: decimal('25') } }],
});

export const benchCalculation = async (): Promise<BenchReport> => {
  const exclusive = thousandLineInvoice(false);
  const inclusive = thousandLineInvoice(true);
  for (const input of [exclusive, inclusive]) {
    if (E.isLeft(calculateInvoice(input))) throw new Error('benchmark invoice does not calculate');
  }
  const bench = new Bench({ time: 2000, warmupTime: 500 });
  bench
    .add('calculate 1,000-line invoice (prices exclude VAT)', () => {
      calculateInvoice(exclusive);
    })
    .add('calculate 1,000-line invoice (prices include VAT)', () => {
      calculateInvoice(inclusive);
    });
  await bench.run();
  return {
    title: 'Calculation',
    rows: bench.tasks.map((task) => {
      const result = task.result;
      const latency = result.state === 'completed' ? result.latency : undefined;
      return {
        name: task.name,
        value:
          latency === undefined
            ? 'failed'
            : `mean ${latency.mean.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms`,
        target: 'mean < 2 ms',
        met: latency !== undefined && latency.mean < 2,
      };
    }),
  };
};
