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

  describe('an imported credit note (UBL CreditNote)', () => {
    /** 40.00 at 25 % and 50.00 at 10 %: VAT 10.00 + 5.00, payable 105.00. */
    const creditNote = (issueDate: string) => ({
      customer,
      issueDate,
      series: 'CN',
      documentType: 'credit_note' as const,
      lines: [
        { id: '1', quantity: '1', netPrice: '40.00', vat: { category: 'S', rate: '25' } },
        { id: '2', quantity: '1', netPrice: '50.00', vat: { category: 'S', rate: '10' } },
      ],
    });
    /** Sums per category and rate over the entries dated `from`–`to`: what the report of that period says. */
    const report = (tables: ReturnType<typeof createMemoryTables>, from: string, to: string) => {
      const sums = new Map<string, [bigint, bigint]>();
      for (const row of tables.rows('entries')) {
        const date = String(row['date']);
        if (date < from || date > to) continue;
        const key = `${String(row['category'])} ${String(row['rate'])}`;
        const [taxable, tax] = sums.get(key) ?? [0n, 0n];
        sums.set(key, [
          taxable + BigInt(String(row['taxable_amount'])),
          tax + BigInt(String(row['tax_amount'])),
        ]);
      }
      return Object.fromEntries(sums);
    };

    it('reduces output VAT per category and rate: a period with an invoice and a credit note nets them', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(taxReportProjection);
      tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01', lines: twoRates }, NOW));
      tables.applyAll(log.invoice('cn-1', creditNote('2026-03-15'), '2026-03-15T09:00:00Z'));
      expect(lines(tables)).toEqual([
        ['invoice', '2026-03-01', '25', 10000n, 2500n],
        ['invoice', '2026-03-01', '10', 20000n, 2000n],
        ['credit_note', '2026-03-15', '25', -4000n, -1000n],
        ['credit_note', '2026-03-15', '10', -5000n, -500n],
      ]);
      // 25 %: 100.00 − 40.00 = 60.00, VAT 25.00 − 10.00 = 15.00; 10 %: 200.00 − 50.00 = 150.00, VAT 20.00 − 5.00.
      expect(report(tables, '2026-03-01', '2026-03-31')).toEqual({
        'S 25': [6000n, 1500n],
        'S 10': [15000n, 1500n],
      });
      expect(tables.rows('documents').map((row) => [row['invoice_id'], row['document_type']])).toEqual([
        ['cn-1', 'credit_note'],
        ['inv-1', 'invoice'],
      ]);
      const before = tables.snapshot();
      tables.applyAll(log.events);
      expect(tables.snapshot()).toEqual(before);
    });

    it('is reversed (positive) on the day it was voided, leaving its own period as reported', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(taxReportProjection);
      tables.applyAll(log.invoice('cn-1', creditNote('2026-03-15'), '2026-03-15T09:00:00Z'));
      tables.applyAll(log.voidInvoice('cn-1', '2026-04-02T09:00:00Z'));
      expect(lines(tables)).toEqual([
        ['credit_note', '2026-03-15', '25', -4000n, -1000n],
        ['credit_note', '2026-03-15', '10', -5000n, -500n],
        ['void', '2026-04-02', '25', 4000n, 1000n],
        ['void', '2026-04-02', '10', 5000n, 500n],
      ]);
      expect(report(tables, '2026-03-01', '2026-03-31')).toEqual({
        'S 25': [-4000n, -1000n],
        'S 10': [-5000n, -500n],
      });
      expect(report(tables, '2026-03-01', '2026-04-30')).toEqual({ 'S 25': [0n, 0n], 'S 10': [0n, 0n] });
    });

    it('gets back VAT it gave away when a credit note is issued against it', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(taxReportProjection);
      tables.applyAll(log.invoice('imported-1', creditNote('2026-03-15'), '2026-03-15T09:00:00Z'));
      tables.applyAll(log.creditNote('cn-9', 'imported-1', '10.50', '2026-03-20T09:00:00Z'));
      // 10.50 gross is a tenth of 105.00: 5.00 gross at 25 % (4.00 + 1.00), 5.50 at 10 % (5.00 + 0.50).
      const credit = tables.rows('entries').filter((row) => row['date'] === '2026-03-20');
      expect(
        credit.map((row) => [row['document_kind'], row['rate'], row['taxable_amount'], row['tax_amount']]),
      ).toEqual([
        ['credit_note', '25', 400n, 100n],
        ['credit_note', '10', 500n, 50n],
      ]);
    });
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
