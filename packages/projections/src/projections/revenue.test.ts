import { describe, expect, it } from 'vitest';

import { revenueProjection } from './revenue.js';
import { createEventLog } from './testing/eventLog.js';
import { createMemoryTables } from './testing/memoryTables.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };

const entries = (tables: ReturnType<typeof createMemoryTables>) =>
  tables
    .rows('entries')
    .map((row) => [row['kind'], row['month'], row['currency'], row['approved'], row['paid']]);

describe('revenue projection', () => {
  it('counts payables by issue month, credit notes and voids against them, payments by paid month', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(revenueProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-01-31' }, '2026-01-31T09:00:00Z'));
    tables.applyAll(log.pay('inv-1', 'pay-1', '25.00', '2026-02-01T09:00:00Z'));
    tables.applyAll(log.creditNote('cn-1', 'inv-1', '10.00', '2026-02-03T09:00:00Z'));
    tables.applyAll(
      log.invoice(
        'inv-2',
        {
          customer,
          currency: 'JPY',
          issueDate: '2026-02-10',
          lines: [{ id: '1', quantity: '1', netPrice: '1000', vat: { category: 'S', rate: '10' } }],
        },
        '2026-02-10T09:00:00Z',
      ),
    );
    tables.applyAll(log.voidInvoice('inv-2', '2026-03-01T09:00:00Z'));
    expect(entries(tables)).toEqual([
      ['invoice', '2026-01', 'EUR', 12500n, 0n],
      ['payment', '2026-02', 'EUR', 0n, 2500n],
      ['credit_note', '2026-02', 'EUR', -1000n, 0n],
      ['invoice', '2026-02', 'JPY', 1100n, 0n],
      ['void', '2026-03', 'JPY', -1100n, 0n],
    ]);
  });

  it('takes imported credit notes off what was invoiced, and refunds against them off what was paid', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(revenueProjection);
    /** An imported credit note (series CN) of one line at 25 %. */
    const creditNote = (issueDate: string, netPrice: string) => ({
      customer,
      issueDate,
      series: 'CN',
      documentType: 'credit_note' as const,
      lines: [{ id: '1', quantity: '1', netPrice, vat: { category: 'S', rate: '25' } }],
    });
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-01-31' }, '2026-01-31T09:00:00Z'));
    tables.applyAll(log.invoice('cn-1', creditNote('2026-02-05', '20.00'), '2026-02-05T09:00:00Z'));
    tables.applyAll(log.pay('inv-1', 'pay-1', '125.00', '2026-02-08T09:00:00Z'));
    tables.applyAll(log.pay('cn-1', 'refund-1', '25.00', '2026-02-10T09:00:00Z'));
    tables.applyAll(log.invoice('cn-2', creditNote('2026-02-20', '40.00'), '2026-02-20T09:00:00Z'));
    tables.applyAll(log.voidInvoice('cn-2', '2026-03-02T09:00:00Z'));
    // Invoice 125.00 in January. February: credit notes of 25.00 and 50.00 (20.00 and 40.00 + 25 %) take 75.00
    // off; 125.00 received less the 25.00 refunded is 100.00 paid. March: the void gives the 50.00 back.
    expect(entries(tables)).toEqual([
      ['invoice', '2026-01', 'EUR', 12500n, 0n],
      ['credit_note', '2026-02', 'EUR', -2500n, 0n],
      ['payment', '2026-02', 'EUR', 0n, 12500n],
      ['refund', '2026-02', 'EUR', 0n, -2500n],
      ['credit_note', '2026-02', 'EUR', -5000n, 0n],
      ['void', '2026-03', 'EUR', 5000n, 0n],
    ]);
    const month = (name: string) =>
      tables
        .rows('entries')
        .filter((row) => row['month'] === name)
        .reduce<readonly [bigint, bigint]>(
          ([approved, paid], row) => [
            approved + BigInt(String(row['approved'])),
            paid + BigInt(String(row['paid'])),
          ],
          [0n, 0n],
        );
    expect([month('2026-01'), month('2026-02'), month('2026-03')]).toEqual([
      [12500n, 0n],
      [-7500n, 10000n],
      [5000n, 0n],
    ]);
    const before = tables.snapshot();
    tables.applyAll(log.events);
    expect(tables.snapshot()).toEqual(before);
  });

  it('changes nothing when events are delivered again', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(revenueProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-01-31' }, '2026-01-31T09:00:00Z'));
    tables.applyAll(log.pay('inv-1', 'pay-1', '25.00', '2026-02-01T09:00:00Z'));
    tables.applyAll(log.invoice('inv-2', { customer, issueDate: '2026-02-01' }, '2026-02-01T09:00:00Z'));
    tables.applyAll(log.voidInvoice('inv-2', '2026-02-02T09:00:00Z'));
    const before = tables.snapshot();
    tables.applyAll(log.events);
    expect(tables.snapshot()).toEqual(before);
  });
});
