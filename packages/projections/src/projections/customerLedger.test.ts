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
