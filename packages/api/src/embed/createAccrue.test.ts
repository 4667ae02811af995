import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import type { Accrue, CreateDraftInput } from './index.js';
import { AccrueError, createAccrue, createAccrueFp, isAccrueError, memoryStore } from './index.js';

const NOW = '2026-03-01T10:00:00.000Z';

const fixedClock = { now: () => NOW };
const counterIds = () => {
  let next = 0;
  return { next: () => `id-${String(++next)}` };
};

const draft = (extra: Partial<CreateDraftInput> = {}): CreateDraftInput => ({
  currency: 'EUR',
  customer: { id: 'cust-1', name: 'Buyer GmbH' },
  issueDate: '2026-03-01',
  paymentTermsDays: 14,
  lines: [
    {
      id: '1',
      description: 'Consulting',
      quantity: '10',
      netPrice: '100.00',
      vat: { category: 'S', rate: '19' },
    },
  ],
  ...extra,
});

const opened: Accrue[] = [];
const open = async (options: Partial<Parameters<typeof createAccrue>[0]> = {}): Promise<Accrue> => {
  const accrue = await createAccrue({
    store: memoryStore(),
    clock: fixedClock,
    ids: counterIds(),
    ...options,
  });
  opened.push(accrue);
  return accrue;
};

afterEach(async () => {
  for (const accrue of opened.splice(0)) await accrue.close();
});

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('createAccrue (memory store)', () => {
  it('runs an invoice through its lifecycle with the promise API, and the read models follow', async () => {
    const accrue = await open();
    const created = await accrue.createDraft(draft({ invoiceId: 'inv-1' }));
    expect(created.invoiceId).toBe('inv-1');
    expect(created.state._tag).toBe('DraftInvoice');
    expect(created.events.map((e) => e.event.type)).toEqual(['InvoiceDraftCreated']);

    const approved = await accrue.approve('inv-1');
    expect(approved.state._tag === 'IssuedInvoice' && approved.state.number).toBe('INV-2026-000001');
    await accrue.send('inv-1', { channel: 'email' });
    const paid = await accrue.recordPayment('inv-1', { amount: '500.00', paidAt: '2026-03-05T10:00:00Z' });
    expect(paid.state._tag === 'IssuedInvoice' && paid.state.status).toBe('partially_paid');

    const view = await accrue.get('inv-1');
    expect(view).toMatchObject({
      number: 'INV-2026-000001',
      status: 'partially_paid',
      payable: '1190.00',
      amountPaid: '500.00',
      amountDue: '690.00',
    });
    const page = await accrue.list({ status: 'partially_paid' });
    expect(page.edges.map((edge) => edge.node.invoiceId)).toEqual(['inv-1']);

    const history = await accrue.history('inv-1');
    expect(history.map((entry) => entry.event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'InvoiceSent',
      'PaymentRecorded',
    ]);
    // Time travel to the approval's position: approved, nothing paid yet.
    const approval = history[1];
    if (approval === undefined) throw new Error('no approval event');
    const then = await accrue.asOf('inv-1', { position: approval.globalPosition });
    expect(then.state._tag === 'IssuedInvoice' && [then.state.status, then.state.paidAmount]).toEqual([
      'approved',
      0n,
    ]);
    expect(then.version).toBe(2);
  });

  it('answers the read-model queries', async () => {
    const accrue = await open();
    for (const id of ['a', 'b']) {
      await accrue.createDraft(draft({ invoiceId: id }));
      await accrue.approve(id);
    }
    await accrue.recordPayment('a', { amount: '1190.00', paidAt: '2026-03-02T08:00:00Z' });

    expect(await accrue.customerBalance('cust-1')).toEqual([{ currency: 'EUR', balance: '1190.00' }]);
    const aging = await accrue.agingReport('2026-04-01');
    expect(aging.invoices.map((row) => row.invoiceId)).toEqual(['b']);
    const tax = await accrue.taxReport({ from: '2026-03-01', to: '2026-03-31' });
    expect(tax.totals).toEqual([{ currency: 'EUR', taxableAmount: '2000.00', taxAmount: '380.00' }]);
    const revenue = await accrue.revenue({ from: '2026-03', to: '2026-03' });
    expect(revenue).toEqual([{ month: '2026-03', currency: 'EUR', approved: '2380.00', paid: '1190.00' }]);
    const register = await accrue.numberRegister({ series: 'INV' });
    expect(register.map((entry) => [entry.number, entry.invoiceId, entry.status])).toEqual([
      ['INV-2026-000001', 'a', 'issued'],
      ['INV-2026-000002', 'b', 'issued'],
    ]);
    const statement = await accrue.customerStatement('cust-1', { from: '2026-03-01', to: '2026-03-31' });
    expect(statement.currencies[0]?.closingBalance).toBe('1190.00');
  });

  it('gives the same tagged error through both APIs: a left, or a rejection carrying it', async () => {
    const accrue = await open();
    await accrue.createDraft(draft({ invoiceId: 'inv-1' }));
    await accrue.approve('inv-1');
    const payment = { amount: '5000.00' };

    const left = await accrue.fp.recordPayment('inv-1', payment)();
    expect(E.isLeft(left) && left.left).toMatchObject({
      _tag: 'Overpayment',
      invoiceId: 'inv-1',
      amount: '5000.00',
      amountDue: '1190.00',
    });
    const rejected = await rejection(accrue.recordPayment('inv-1', payment));
    expect(rejected).toBeInstanceOf(AccrueError);
    expect(rejected).toBeInstanceOf(Error);
    expect(isAccrueError(rejected)).toBe(true);
    if (!isAccrueError(rejected) || E.isRight(left)) throw new Error('unreachable');
    expect(rejected._tag).toBe('Overpayment');
    expect(rejected.error).toEqual(left.left);
    expect(rejected.message).toMatch(/^Overpayment: .*amountDue=1190\.00/);

    const unknown = await accrue.fp.approve('nope')();
    expect(E.isLeft(unknown) && unknown.left).toEqual({ _tag: 'InvoiceNotFound', invoiceId: 'nope' });
  });

  it('refuses invalid input with the paths the caller used, and writes nothing', async () => {
    const accrue = await open();
    const bad = await accrue.fp.createDraft({
      ...draft({ invoiceId: 'inv-x' }),
      lines: [{ id: '1', quantity: 'ten', netPrice: '1.00', vat: { category: 'S', rate: '19' } }],
    })();
    expect(E.isLeft(bad) && bad.left._tag).toBe('InvalidInput');
    if (E.isRight(bad) || bad.left._tag !== 'InvalidInput') throw new Error('unreachable');
    expect(bad.left.operation).toBe('createDraft');
    expect(bad.left.issues.map((issue) => issue.path)).toContain('lines[0].quantity');

    const badId = await accrue.fp.createDraft(draft({ invoiceId: 'has space' }))();
    expect(E.isLeft(badId) && badId.left).toMatchObject({
      _tag: 'InvalidInput',
      issues: [{ path: 'invoiceId' }],
    });
    const history = await accrue.fp.history('inv-x')();
    expect(E.isLeft(history) && history.left._tag).toBe('InvoiceNotFound');
    expect((await accrue.list()).edges).toEqual([]);

    // A JavaScript caller passing a number where a decimal string belongs.
    await accrue.createDraft(draft({ invoiceId: 'inv-y' }));
    await accrue.approve('inv-y');
    const wrongType = await accrue.fp.recordPayment('inv-y', { amount: 12 as unknown as string })();
    expect(E.isLeft(wrongType) && wrongType.left).toMatchObject({
      _tag: 'InvalidInput',
      operation: 'recordPayment',
      issues: [{ path: 'amount' }],
    });
    expect((await accrue.history('inv-y')).map((entry) => entry.event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
    ]);
  });

  it('is idempotent by command id: a retry returns the first result and appends nothing', async () => {
    const accrue = await open();
    const first = await accrue.createDraft(draft(), { commandId: 'order-7:draft' });
    const retry = await accrue.createDraft(draft(), { commandId: 'order-7:draft' });
    // Without an explicit id, the invoice id derives from the command id: the retry addresses the same invoice.
    expect(retry.invoiceId).toBe(first.invoiceId);
    expect(retry.replayed).toBe(true);
    await accrue.approve(first.invoiceId, { commandId: 'order-7:approve' });
    const approvedAgain = await accrue.approve(first.invoiceId, { commandId: 'order-7:approve' });
    expect(approvedAgain.replayed).toBe(true);
    await accrue.recordPayment(first.invoiceId, { amount: '100.00' }, { commandId: 'bank-1' });
    await accrue.recordPayment(first.invoiceId, { amount: '100.00' }, { commandId: 'bank-1' });
    const history = await accrue.history(first.invoiceId);
    expect(history.map((entry) => entry.event.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceApproved',
      'PaymentRecorded',
    ]);
    expect((await accrue.numberRegister()).length).toBe(1);
  });

  it('issues credit notes, writes off and voids through the same application services as the server', async () => {
    const accrue = await open();
    await accrue.createDraft(draft({ invoiceId: 'credited' }));
    await accrue.approve('credited');
    const credit = await accrue.issueCreditNote('credited', {
      reason: 'discount agreed',
      content: { amount: '119.00' },
    });
    expect(credit.creditNote.events[0]?.event.data.number).toBe('CN-2026-000001');
    const writtenOff = await accrue.writeOff('credited', { reason: 'customer insolvent' });
    expect(writtenOff.state._tag === 'IssuedInvoice' && writtenOff.state.status).toBe('uncollectible');
    expect((await accrue.get('credited')).amountDue).toBe('0.00');

    await accrue.createDraft(draft({ invoiceId: 'voided' }));
    await accrue.approve('voided');
    const voided = await accrue.void('voided', { reason: 'duplicate order' });
    expect(voided.state._tag === 'IssuedInvoice' && voided.state.status).toBe('void');
    const refused = await accrue.fp.void('credited', { reason: 'too late' })();
    expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidTransition');
  });

  it('revises drafts, applies the default rounding mode, and time-travels by instant', async () => {
    let now = '2026-03-01T10:00:00.000Z';
    const accrue = await open({ rounding: 'half_even', clock: { now: () => now } });
    const created = await accrue.createDraft(draft({ invoiceId: 'r-1' }));
    expect(created.state._tag === 'DraftInvoice' && created.state.content.rounding).toBe('half_even');
    now = '2026-03-02T10:00:00.000Z';
    await accrue.reviseDraft('r-1', { reference: 'PO-77', notes: null });
    const before = await accrue.asOf('r-1', { at: '2026-03-01T12:00:00+02:00' });
    expect(before.state._tag === 'DraftInvoice' && before.state.content.reference).toBeUndefined();
    const after = await accrue.asOf('r-1', { at: '2026-03-02T10:00:00Z' });
    expect(after.state._tag === 'DraftInvoice' && after.state.content.reference).toBe('PO-77');
    const beforeCreation = await accrue.asOf('r-1', { at: '2026-02-01T00:00:00Z' });
    expect(beforeCreation.state._tag).toBe('NoInvoice');
    const badInstant = await accrue.fp.asOf('r-1', { at: 'yesterday' })();
    expect(E.isLeft(badInstant) && badInstant.left._tag).toBe('InvalidInput');
  });

  it('keeps tenants apart: another tenant reads an invoice as absent', async () => {
    const accrue = await open({ tenantId: 'acme' });
    await accrue.createDraft(draft({ invoiceId: 'shared-id' }));
    const other = await accrue.fp.get('shared-id', { tenantId: 'globex' })();
    expect(E.isLeft(other) && other.left._tag).toBe('InvoiceNotFound');
    const approve = await accrue.fp.approve('shared-id', { tenantId: 'globex' })();
    expect(E.isLeft(approve) && approve.left._tag).toBe('InvoiceNotFound');
    expect((await accrue.get('shared-id')).status).toBe('draft');
  });

  it('refuses bad options: the promise rejects and the TaskEither is left, with the same error', async () => {
    const options = { store: memoryStore(), tenantId: 'not valid!' };
    const rejected = await rejection(createAccrue(options));
    expect(isAccrueError(rejected) && rejected.error).toMatchObject({
      _tag: 'InvalidInput',
      operation: 'createAccrue',
      issues: [{ path: 'tenantId' }],
    });
    const left = await createAccrueFp(options)();
    expect(E.isLeft(left) && isAccrueError(rejected) && left.left).toEqual(
      isAccrueError(rejected) ? rejected.error : undefined,
    );
  });
});
