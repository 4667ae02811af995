import { describe, expect, it } from 'vitest';

import { customerLedgerProjection } from './customerLedger.js';
import { createEventLog } from './testing/eventLog.js';
import { createMemoryTables } from './testing/memoryTables.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
const NOW = '2026-03-02T09:00:00Z';

const entries = (tables: ReturnType<typeof createMemoryTables>) =>
  tables
    .rows('entries')
    .map((row) => [row['kind'], row['date'], row['amount'], row['document_number'], row['reference']]);

describe('customer ledger projection', () => {
  it('records each money movement, signed, on its own date', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(customerLedgerProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
    tables.applyAll(log.send('inv-1', NOW));
    tables.applyAll(log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T23:30:00-05:00', '2026-03-11T08:00:00Z'));
    tables.applyAll(log.creditNote('cn-1', 'inv-1', '50.00', '2026-03-12T09:00:00Z'));
    tables.applyAll(log.writeOff('inv-1', '2026-07-01T09:00:00Z'));
    tables.applyAll(log.invoice('inv-2', { customer, issueDate: '2026-03-05' }, NOW));
    tables.applyAll(log.voidInvoice('inv-2', '2026-03-06T09:00:00Z'));
    // 125.00 charged; 25.00 paid on 10 March (the payer's day, not UTC's); 50.00 credited; 50.00 written off;
    // a second 125.00 charged and voided. The entries sort by event id, i.e. log order.
    expect(entries(tables)).toEqual(
      expect.arrayContaining([
        ['invoice', '2026-03-01', 12500n, 'INV-2026-000001', null],
        ['payment', '2026-03-10', -2500n, 'INV-2026-000001', 'pay-1'],
        ['credit_note', '2026-03-12', -5000n, 'CN-2026-000001', 'Goodwill'],
        ['write_off', '2026-07-01', -5000n, 'INV-2026-000001', 'Customer insolvent'],
        ['invoice', '2026-03-05', 12500n, 'INV-2026-000002', null],
        ['void', '2026-03-06', -12500n, 'INV-2026-000002', 'Wrong customer'],
      ]),
    );
    expect(tables.rows('entries')).toHaveLength(6);
    const balance = tables.rows('entries').reduce((sum, row) => sum + BigInt(String(row['amount'])), 0n);
    expect(balance).toBe(0n);
    expect(tables.rows('entries').every((row) => row['customer_id'] === 'cust-1')).toBe(true);
  });

  describe('an imported credit note (UBL CreditNote) counts the other way', () => {
    /** An imported credit note as `accrue import-ubl` drafts it (series CN), with one line at 25 %. */
    const importedCreditNote = (issueDate: string, netPrice: string, series = 'CN') => ({
      customer,
      issueDate,
      series,
      documentType: 'credit_note' as const,
      lines: [{ id: '1', quantity: '1', netPrice, vat: { category: 'S', rate: '25' } }],
    });

    it('is owed to the customer when approved, and a payment against it is a refund paid out', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(customerLedgerProjection);
      tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
      tables.applyAll(log.invoice('cn-1', importedCreditNote('2026-03-05', '20.00'), NOW));
      tables.applyAll(
        log.pay('cn-1', 'refund-1', '25.00', '2026-03-09T23:30:00-05:00', '2026-03-10T08:00:00Z'),
      );
      // Invoice 100.00 + 25 % = 125.00 owed by the customer; credit note 20.00 + 25 % = 25.00 owed to them, then
      // refunded on 9 March (the payer's day): the customer still owes the invoice's 125.00.
      expect(entries(tables)).toEqual([
        ['invoice', '2026-03-01', 12500n, 'INV-2026-000001', null],
        ['credit_note', '2026-03-05', -2500n, 'CN-2026-000001', null],
        ['refund', '2026-03-09', 2500n, 'CN-2026-000001', 'refund-1'],
      ]);
      expect(tables.rows('invoices').map((row) => [row['invoice_id'], row['document_type']])).toEqual([
        ['cn-1', 'credit_note'],
        ['inv-1', 'invoice'],
      ]);
      const balance = tables.rows('entries').reduce((sum, row) => sum + BigInt(String(row['amount'])), 0n);
      expect(balance).toBe(12500n);
    });

    it('takes the credit back when voided or written off', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(customerLedgerProjection);
      tables.applyAll(log.invoice('cn-1', importedCreditNote('2026-03-05', '40.00'), NOW));
      tables.applyAll(log.voidInvoice('cn-1', '2026-03-07T09:00:00Z'));
      tables.applyAll(log.invoice('cn-2', importedCreditNote('2026-03-06', '10.00'), NOW));
      tables.applyAll(log.writeOff('cn-2', '2026-06-30T09:00:00Z'));
      // 40.00 + 25 % = 50.00 credited and voided; 10.00 + 25 % = 12.50 credited and written off: nothing is owed
      // to the customer any more.
      expect(entries(tables)).toEqual([
        ['credit_note', '2026-03-05', -5000n, 'CN-2026-000001', null],
        ['void', '2026-03-07', 5000n, 'CN-2026-000001', 'Wrong customer'],
        ['credit_note', '2026-03-06', -1250n, 'CN-2026-000002', null],
        ['write_off', '2026-06-30', 1250n, 'CN-2026-000002', 'Customer insolvent'],
      ]);
    });

    it('is reduced by a credit note issued against it', () => {
      const log = createEventLog('tenant-1');
      const tables = createMemoryTables(customerLedgerProjection);
      // Another series, so that its number is not taken for our own credit note's.
      tables.applyAll(log.invoice('imported-1', importedCreditNote('2026-03-05', '40.00', 'UBL-CN'), NOW));
      const mark = log.events.length;
      tables.applyAll(log.creditNote('cn-9', 'imported-1', '10.00', '2026-03-12T09:00:00Z'));
      // 50.00 owed to the customer, 10.00 of it taken back: 40.00 still owed to them.
      expect(entries(tables)).toEqual([
        ['credit_note', '2026-03-05', -5000n, 'UBL-CN-2026-000001', null],
        ['credit_note', '2026-03-12', 1000n, 'CN-2026-000001', 'Goodwill'],
      ]);
      for (const event of log.since(mark)) expect(tables.apply(event)).toEqual([]);
    });
  });

  it('takes the customer of the approved draft, after revisions', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(customerLedgerProjection);
    tables.applyAll(log.draft('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
    expect(tables.rows('invoices')).toMatchObject([
      { customer_id: 'cust-1', payable: null, stream_version: 1n },
    ]);
    tables.applyAll(log.approve('inv-1', NOW));
    expect(tables.rows('invoices')).toMatchObject([
      { customer_id: 'cust-1', number: 'INV-2026-000001', payable: 12500n, due_date: '2026-03-31' },
    ]);
  });

  it('changes nothing when events are delivered again', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(customerLedgerProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
    tables.applyAll(log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T12:00:00Z'));
    tables.applyAll(log.creditNote('cn-1', 'inv-1', '50.00', '2026-03-12T09:00:00Z'));
    const before = tables.snapshot();
    for (const event of log.events) expect(tables.apply(event)).toEqual([]);
    expect(tables.snapshot()).toEqual(before);
  });

  it('ignores movements of an invoice it never saw created', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(customerLedgerProjection);
    log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW);
    const mark = log.events.length;
    log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T12:00:00Z');
    log.creditNote('cn-1', 'inv-1', '50.00', '2026-03-12T09:00:00Z');
    expect(log.since(mark).flatMap((event) => tables.apply(event))).toEqual([]);
  });
});
