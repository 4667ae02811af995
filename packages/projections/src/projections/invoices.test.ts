import { describe, expect, it } from 'vitest';

import { invoicesProjection } from './invoices.js';
import { createEventLog } from './testing/eventLog.js';
import { createMemoryTables } from './testing/memoryTables.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
const ISSUE = '2026-03-02';
const NOW = '2026-03-02T09:00:00Z';

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

describe('invoices projection', () => {
  it('creates a draft row, then folds approval, sending, a payment and settlement like the aggregate', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(invoicesProjection);

    const [created] = log.draft('inv-1', { customer, issueDate: ISSUE }, NOW);
    const draftChanges = tables.apply(created!);
    expect(draftChanges).toHaveLength(1);
    expect(draftChanges[0]).toMatchObject({
      op: 'upsert',
      table: 'invoices',
      row: {
        tenant_id: 'tenant-1',
        invoice_id: 'inv-1',
        number: null,
        status: 'draft',
        customer_id: 'cust-1',
        customer_name: 'Fjord Shipping AS',
        issue_date: ISSUE,
        due_date: '2026-04-01',
        currency: 'EUR',
        payable: null,
        amount_due: null,
        stream_version: 1,
        position: 1n,
        updated_at: NOW,
      },
    });

    tables.applyAll(log.approve('inv-1', NOW));
    tables.applyAll(log.send('inv-1', '2026-03-03T10:00:00Z'));
    tables.applyAll(log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T12:00:00Z'));
    let [row] = tables.rows('invoices');
    // 100.00 + 25 % VAT = 125.00 payable; 25.00 paid leaves 100.00.
    expect(row).toMatchObject({
      number: 'INV-2026-000001',
      status: 'partially_paid',
      payable: 12500n,
      amount_paid: 2500n,
      amount_due: 10000n,
      stream_version: 4n,
    });
    expect(json(row!['vat_breakdown'])).toEqual([
      { category: 'S', rate: '25', taxableAmount: '100.00', taxAmount: '25.00' },
    ]);
    expect(json(row!['totals'])).toMatchObject({ payableAmount: '125.00', taxAmount: '25.00' });

    tables.applyAll(log.pay('inv-1', 'pay-2', '100.00', '2026-03-20T12:00:00Z'));
    [row] = tables.rows('invoices');
    expect(row).toMatchObject({ status: 'paid', amount_paid: 12500n, amount_due: 0n, stream_version: 6n });
    const detail = json(row!['detail']) as Record<string, unknown>;
    expect(detail['channels']).toEqual(['email']);
    expect(detail['payments']).toHaveLength(2);
    expect(detail['content']).toMatchObject({ customer, lines: [{ id: '1', netPrice: '100' }] });
  });

  it('changes nothing when an event is delivered again', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(invoicesProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: ISSUE }, NOW));
    const payment = log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T12:00:00Z');
    tables.applyAll(payment);
    const before = tables.snapshot();
    for (const event of log.events) expect(tables.apply(event)).toEqual([]);
    expect(tables.snapshot()).toEqual(before);
  });

  it('ignores events of an invoice it never saw created', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(invoicesProjection);
    log.invoice('inv-1', { customer, issueDate: ISSUE }, NOW);
    const later = log.pay('inv-1', 'pay-1', '25.00', '2026-03-10T12:00:00Z');
    expect(later.flatMap((event) => tables.apply(event))).toEqual([]);
    expect(tables.rows('invoices')).toEqual([]);
  });

  it('keeps invoices of different tenants apart', () => {
    const a = createEventLog('tenant-a');
    const b = createEventLog('tenant-b', 100n);
    const tables = createMemoryTables(invoicesProjection);
    tables.applyAll(a.invoice('inv-1', { customer, issueDate: ISSUE }, NOW));
    tables.applyAll(b.draft('inv-1', { customer: { id: 'c-9', name: 'Other' }, issueDate: ISSUE }, NOW));
    expect(tables.rows('invoices').map((row) => [row['tenant_id'], row['status']])).toEqual([
      ['tenant-a', 'approved'],
      ['tenant-b', 'draft'],
    ]);
  });

  it('merges a credit note issue and application into one entry, once', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(invoicesProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: ISSUE }, NOW));
    const credit = log.creditNote('cn-1', 'inv-1', '25.00', '2026-03-05T09:00:00Z');
    expect(credit.map((event) => event.event.type)).toEqual(['CreditNoteIssued', 'CreditNoteApplied']);
    tables.applyAll(credit);
    const before = tables.snapshot();
    expect(credit.flatMap((event) => tables.apply(event))).toEqual([]);
    expect(tables.snapshot()).toEqual(before);
    const [row] = tables.rows('invoices');
    expect(row).toMatchObject({ status: 'approved', amount_credited: 2500n, amount_due: 10000n });
    expect(json(row!['credit_notes'])).toEqual([
      {
        creditNoteId: 'cn-1',
        number: 'CN-2026-000001',
        issueDate: '2026-03-05',
        reason: 'Goodwill',
        issuedAmount: '25.00',
        appliedAmount: '25.00',
        appliedAt: '2026-03-05T09:00:00Z',
      },
    ]);
  });

  it('shows nothing due for a void invoice and the written-off amount for an uncollectible one', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(invoicesProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: ISSUE }, NOW));
    tables.applyAll(log.voidInvoice('inv-1', '2026-03-04T09:00:00Z'));
    tables.applyAll(log.invoice('inv-2', { customer, issueDate: ISSUE }, NOW));
    tables.applyAll(log.pay('inv-2', 'pay-1', '25.00', '2026-03-10T12:00:00Z'));
    tables.applyAll(log.writeOff('inv-2', '2026-06-01T09:00:00Z'));
    const [voided, writtenOff] = tables.rows('invoices');
    expect(voided).toMatchObject({ status: 'void', payable: 12500n, amount_due: 0n });
    expect(writtenOff).toMatchObject({
      status: 'uncollectible',
      amount_paid: 2500n,
      amount_written_off: 10000n,
      amount_due: 0n,
    });
  });
});
