import { describe, expect, it } from 'vitest';

import { taxReportProjection } from './taxReport.js';
import { createEventLog } from './testing/eventLog.js';
import { createMemoryTables } from './testing/memoryTables.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
const NOW = '2026-03-02T09:00:00Z';
/** 100.00 at 25 % and 200.00 at 10 %: VAT 25.00 + 20.00, payable 345.00. */
const twoRates = [
  { id: '1', quantity: '1', netPrice: '100.00', vat: { category: 'S', rate: '25' } },
  { id: '2', quantity: '2', netPrice: '100.00', vat: { category: 'S', rate: '10' } },
];

const lines = (tables: ReturnType<typeof createMemoryTables>) =>
  tables
    .rows('entries')
    .map((row) => [row['document_kind'], row['date'], row['rate'], row['taxable_amount'], row['tax_amount']]);

describe('tax report projection', () => {
  it('records each breakdown line of an approved invoice on its issue date', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(taxReportProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01', lines: twoRates }, NOW));
    expect(lines(tables)).toEqual([
      ['invoice', '2026-03-01', '25', 10000n, 2500n],
      ['invoice', '2026-03-01', '10', 20000n, 2000n],
    ]);
  });

  it('nets a credit note on its own issue date, spread over the invoice rates', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(taxReportProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01', lines: twoRates }, NOW));
    const mark = log.events.length;
    tables.applyAll(log.creditNote('cn-1', 'inv-1', '34.50', '2026-04-02T09:00:00Z'));
    // 34.50 gross is a tenth of 345.00: 12.50 gross at 25 % (10.00 + 2.50), 22.00 at 10 % (20.00 + 2.00).
    const credit = tables.rows('entries').filter((row) => row['document_kind'] === 'credit_note');
    expect(credit.map((row) => [row['date'], row['rate'], row['taxable_amount'], row['tax_amount']])).toEqual(
      [
        ['2026-04-02', '25', -1000n, -250n],
        ['2026-04-02', '10', -2000n, -200n],
      ],
    );
    const before = tables.snapshot();
    for (const event of log.since(mark)) tables.apply(event);
    expect(tables.snapshot()).toEqual(before);
  });

  it('reverses a voided invoice once, on the day it was voided', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(taxReportProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01', lines: twoRates }, NOW));
    const voided = log.voidInvoice('inv-1', '2026-04-01T09:00:00Z');
    tables.applyAll(voided);
    expect(tables.apply(voided[0]!)).toEqual([]);
    const reversal = tables.rows('entries').filter((row) => row['document_kind'] === 'void');
    expect(reversal.map((row) => [row['date'], row['taxable_amount'], row['tax_amount']])).toEqual([
      ['2026-04-01', -10000n, -2500n],
      ['2026-04-01', -20000n, -2000n],
    ]);
  });

  it('redelivery of an approval rewrites the same rows; a void of an unknown invoice changes nothing', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(taxReportProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
    const before = tables.snapshot();
    tables.applyAll(log.events);
    expect(tables.snapshot()).toEqual(before);
    const other = createEventLog('tenant-1', 50n);
    other.invoice('inv-9', { customer, issueDate: '2026-03-01' }, NOW);
    expect(tables.apply(other.voidInvoice('inv-9', NOW)[0]!)).toEqual([]);
  });
});
