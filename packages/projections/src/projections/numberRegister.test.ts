import { describe, expect, it } from 'vitest';

import { numberRegisterProjection } from './numberRegister.js';
import { createEventLog } from './testing/eventLog.js';
import { createMemoryTables } from './testing/memoryTables.js';

const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
const NOW = '2026-03-02T09:00:00Z';

const register = (tables: ReturnType<typeof createMemoryTables>) =>
  tables
    .rows('numbers')
    .map((row) => [row['number'], row['invoice_id'], row['status'], row['annulment_reason']]);

describe('number register projection', () => {
  it('records reserved, issued and annulled numbers', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(numberRegisterProjection);
    tables.applyAll(log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW));
    tables.applyAll(log.draft('inv-2', { customer, issueDate: '2026-03-01' }, NOW));
    const [reserved] = log.approve('inv-2', NOW);
    tables.apply(reserved!);
    tables.applyAll(log.draft('inv-3', { customer, issueDate: '2026-03-01' }, NOW));
    tables.applyAll(log.approve('inv-3', NOW).slice(0, 1));
    expect(register(tables)).toEqual([
      ['INV-2026-000001', 'inv-1', 'issued', null],
      ['INV-2026-000002', 'inv-2', 'reserved', null],
      ['INV-2026-000003', 'inv-3', 'reserved', null],
    ]);
    tables.applyAll(log.annul('INV', 2026, 3, NOW));
    expect(register(tables)[2]).toEqual(['INV-2026-000003', 'inv-3', 'annulled', 'Approval failed']);
    expect(tables.rows('numbers')[0]).toMatchObject({
      series: 'INV',
      year: 2026n,
      counter: 1n,
      tenant_id: 'tenant-1',
    });
  });

  it('changes nothing when events are delivered again, and copes with an approval seen first', () => {
    const log = createEventLog('tenant-1');
    const tables = createMemoryTables(numberRegisterProjection);
    const [, reserved, approved] = log.invoice('inv-1', { customer, issueDate: '2026-03-01' }, NOW);
    expect(approved!.event.type).toBe('InvoiceApproved');
    tables.apply(approved!);
    expect(register(tables)).toEqual([['INV-2026-000001', 'inv-1', 'issued', null]]);
    tables.apply(reserved!);
    const before = tables.snapshot();
    expect(tables.rows('numbers')[0]).toMatchObject({ status: 'issued', reserved_at: NOW, issued_at: NOW });
    expect(log.events.flatMap((event) => tables.apply(event))).toEqual([]);
    expect(tables.snapshot()).toEqual(before);
  });
});
