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
