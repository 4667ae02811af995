import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { CivilDate } from '@accrue/domain';
import { CivilDate as CivilDateCodec, frozenMinorUnits } from '@accrue/domain';
import { decode } from '@accrue/domain/testing';

import type { ReadModelQueries, ReadModelStore } from '@accrue/projections';
import { YearMonth, allProjections, applyBatch, createReadModelQueries, rateKey } from '@accrue/projections';
import { createEventLog } from '@accrue/projections/testing';

import { openSqliteReadModels, project } from './sqliteReadModels.js';

const date = (text: string): CivilDate => decode(CivilDateCodec, text);
const month = (text: string): YearMonth => decode(YearMonth, text);

const acme = { id: 'cust-1', name: 'Acme GmbH' };
const globex = { id: 'cust-2', name: 'Globex Inc' };
const S25 = { category: 'S', rate: '25' };
const S10 = { category: 'S', rate: '10' };

let store: ReadModelStore;
let queries: ReadModelQueries;

beforeEach(async () => {
  store = await openSqliteReadModels();
  queries = createReadModelQueries(store);
});
afterEach(async () => {
  await store.close();
});

describe('aging report (worked example, as of 2026-06-30)', () => {
  it('puts what each invoice still owed on that date into its bucket, per currency', async () => {
    const log = createEventLog('tenant-1');
    const other = createEventLog('tenant-2', 1000n);
    const at = (day: string) => `${day}T09:00:00Z`;
    // Every EUR invoice is one line of 100.00 at 25 %: 125.00 payable.
    const invoice = (id: string, issueDate: string, dueDate: string, currency = 'EUR') =>
      log.invoice(id, { customer: acme, currency, issueDate, dueDate }, at(issueDate));
    invoice('a-current', '2026-06-01', '2026-07-01'); // not yet due → current 125.00
    invoice('b-15-days', '2026-05-01', '2026-06-15'); // 15 days past due → 1–30
    log.pay('b-15-days', 'pay-b', '25.00', at('2026-06-20')); // … partly paid: 100.00 left
    invoice('b2-5-days', '2026-06-05', '2026-06-25'); // 5 days past due → 1–30 125.00
    log.pay('b2-5-days', 'pay-b2', '125.00', at('2026-07-05')); // paid after the as-of date: still due then
    invoice('c-45-days', '2026-04-01', '2026-05-16'); // 15 (May) + 30 (June) = 45 days → 31–60
    invoice('d-81-days', '2026-03-01', '2026-04-10'); // 20 (Apr) + 31 + 30 = 81 days → 61–90
    invoice('e-146-days', '2026-01-05', '2026-02-04'); // 24 (Feb) + 31 + 30 + 31 + 30 = 146 → over 90
    invoice('f-paid', '2026-05-01', '2026-05-31');
    log.pay('f-paid', 'pay-f', '125.00', at('2026-05-20')); // settled before: not in the report
    invoice('g-void', '2026-05-01', '2026-05-31');
    log.voidInvoice('g-void', at('2026-06-10')); // void before: not in the report
    invoice('h-later', '2026-07-02', '2026-08-01'); // issued after the as-of date: not yet owed
    invoice('u-usd', '2026-06-20', '2026-07-20', 'USD'); // another currency, its own row: current 125.00
    other.invoice(
      'x-other',
      { customer: acme, issueDate: '2026-01-05', dueDate: '2026-02-04' },
      at('2026-01-05'),
    ); // another tenant's: never shown
    await project(store, [...log.events, ...other.events]);

    const report = await queries.agingReport('tenant-1', date('2026-06-30'));
    // EUR: current 125.00; 1–30 100.00 + 125.00 = 225.00; 31–60, 61–90, over 90 125.00 each; total 725.00.
    expect(report.currencies).toEqual([
      {
        currency: 'EUR',
        buckets: {
          current: '125.00',
          days1to30: '225.00',
          days31to60: '125.00',
          days61to90: '125.00',
          over90: '125.00',
          total: '725.00',
        },
      },
      {
        currency: 'USD',
        buckets: {
          current: '125.00',
          days1to30: '0.00',
          days31to60: '0.00',
          days61to90: '0.00',
          over90: '0.00',
          total: '125.00',
        },
      },
    ]);
    expect(
      Object.fromEntries(
        report.invoices.map((row) => [row.invoiceId, [row.daysPastDue, row.bucket, row.amountDue]]),
      ),
    ).toEqual({
      'a-current': [-1, 'current', '125.00'],
      'b-15-days': [15, 'days1to30', '100.00'],
      'b2-5-days': [5, 'days1to30', '125.00'],
      'c-45-days': [45, 'days31to60', '125.00'],
      'd-81-days': [81, 'days61to90', '125.00'],
      'e-146-days': [146, 'over90', '125.00'],
      'u-usd': [-20, 'current', '125.00'],
    });
    expect(report.customers.map((row) => [row.customerId, row.currency, row.buckets.total])).toEqual([
      ['cust-1', 'EUR', '725.00'],
      ['cust-1', 'USD', '125.00'],
    ]);

    // A day later the paid-late invoice is gone and the current one is one day overdue.
    const later = await queries.agingReport('tenant-1', date('2026-07-06'));
    expect(later.invoices.find((row) => row.invoiceId === 'b2-5-days')).toBeUndefined();
    expect(later.invoices.find((row) => row.invoiceId === 'a-current')?.bucket).toBe('days1to30');
    expect(
      (await queries.agingReport('tenant-2', date('2026-06-30'))).invoices.map((row) => row.invoiceId),
    ).toEqual(['x-other']);
  });
});

describe('tax report (worked example, March 2026)', () => {
  const scenario = () => {
    const log = createEventLog('tenant-1');
    // inv-1: 100.00 at 25 % (VAT 25.00) and 2 × 100.00 at 10 % (VAT 20.00): payable 345.00.
    log.invoice(
      'inv-1',
      {
        customer: acme,
        issueDate: '2026-03-05',
        lines: [
          { id: '1', quantity: '1', netPrice: '100.00', vat: S25 },
          { id: '2', quantity: '2', netPrice: '100.00', vat: S10 },
        ],
      },
      '2026-03-05T09:00:00Z',
    );
    // inv-2: 50.00 at 25 % (VAT 12.50).
    log.invoice(
      'inv-2',
      {
        customer: globex,
        issueDate: '2026-03-20',
        lines: [{ id: '1', quantity: '1', netPrice: '50.00', vat: S25 }],
      },
      '2026-03-20T09:00:00Z',
    );
    // Credit note of 34.50 gross on inv-1 (a tenth of it): −10.00/−2.50 at 25 %, −20.00/−2.00 at 10 %.
    log.creditNote('cn-1', 'inv-1', '34.50', '2026-03-25T09:00:00Z');
    // Outside the period: an April invoice and an April credit note on inv-2.
    log.invoice('inv-3', { customer: acme, issueDate: '2026-04-02' }, '2026-04-02T09:00:00Z');
    log.creditNote('cn-2', 'inv-2', '10.00', '2026-04-03T09:00:00Z');
    return log;
  };

  it('sums taxable amount and tax per category and rate, credit notes netted', async () => {
    await project(store, scenario().events);
    const report = await queries.taxReport('tenant-1', date('2026-03-01'), date('2026-03-31'));
    // 10 %: 200.00 − 20.00 = 180.00, tax 20.00 − 2.00 = 18.00.
    // 25 %: 100.00 + 50.00 − 10.00 = 140.00, tax 25.00 + 12.50 − 2.50 = 35.00.
    expect(report.lines).toEqual([
      { currency: 'EUR', category: 'S', rate: '10', taxableAmount: '180.00', taxAmount: '18.00' },
      { currency: 'EUR', category: 'S', rate: '25', taxableAmount: '140.00', taxAmount: '35.00' },
    ]);
    expect(report.totals).toEqual([{ currency: 'EUR', taxableAmount: '320.00', taxAmount: '53.00' }]);
    expect((await queries.taxReport('tenant-2', date('2026-03-01'), date('2026-03-31'))).lines).toEqual([]);
  });

  it('equals the sum of the included documents’ frozen VAT breakdowns, to the cent', async () => {
    const log = scenario();
    await project(store, log.events);
    for (const [from, to] of [
      ['2026-03-01', '2026-03-31'],
      ['2026-03-06', '2026-04-30'],
      ['2026-01-01', '2026-12-31'],
    ] as const) {
      const expected = new Map<string, { taxable: bigint; tax: bigint }>();
      for (const { event } of log.events) {
        if (event.type !== 'InvoiceApproved' && event.type !== 'CreditNoteIssued') continue;
        const { issueDate, vatBreakdown, currency } = event.data;
        if (issueDate < from || issueDate > to) continue;
        const sign = event.type === 'InvoiceApproved' ? 1n : -1n;
        for (const entry of vatBreakdown) {
          const key = `${entry.category}|${rateKey(entry)}`;
          const sum = expected.get(key) ?? { taxable: 0n, tax: 0n };
          expected.set(key, {
            taxable: sum.taxable + sign * frozenMinorUnits(entry.taxableAmount, currency),
            tax: sum.tax + sign * frozenMinorUnits(entry.taxAmount, currency),
          });
        }
      }
      const report = await queries.taxReport('tenant-1', date(from), date(to));
      const cents = (text: string) => BigInt(text.replace('.', ''));
      expect(
        new Map(
          report.lines.map((line) => [
            `${line.category}|${line.rate ?? ''}`,
            { taxable: cents(line.taxableAmount), tax: cents(line.taxAmount) },
          ]),
        ),
      ).toEqual(expected);
    }
  });
});

describe('revenue (worked example, January–February 2026, EUR and USD)', () => {
  it('counts approved payables by issue month less credit notes, and payments by paid month', async () => {
    const log = createEventLog('tenant-1');
    log.invoice('inv-1', { customer: acme, issueDate: '2026-01-15' }, '2026-01-15T09:00:00Z'); // EUR 125.00
    log.pay('inv-1', 'pay-1', '50.00', '2026-01-20T09:00:00Z');
    log.pay('inv-1', 'pay-2', '75.00', '2026-02-03T09:00:00Z');
    log.invoice('inv-2', { customer: acme, issueDate: '2026-02-10' }, '2026-02-10T09:00:00Z'); // EUR 125.00
    log.creditNote('cn-1', 'inv-2', '25.00', '2026-02-12T09:00:00Z');
    log.invoice(
      'inv-3',
      {
        customer: globex,
        currency: 'USD',
        issueDate: '2026-01-31',
        lines: [{ id: '1', quantity: '2', netPrice: '100.00', vat: S25 }],
      },
      '2026-01-31T09:00:00Z',
    ); // USD 250.00
    log.pay('inv-3', 'pay-3', '250.00', '2026-02-01T09:00:00Z');
    log.invoice('inv-4', { customer: acme, issueDate: '2026-03-01' }, '2026-03-01T09:00:00Z'); // outside
    await project(store, log.events);
    expect(await queries.revenue('tenant-1', month('2026-01'), month('2026-02'))).toEqual([
      { month: '2026-01', currency: 'EUR', approved: '125.00', paid: '50.00' },
      { month: '2026-01', currency: 'USD', approved: '250.00', paid: '0.00' },
      // 125.00 − 25.00 credited = 100.00
      { month: '2026-02', currency: 'EUR', approved: '100.00', paid: '75.00' },
      { month: '2026-02', currency: 'USD', approved: '0.00', paid: '250.00' },
    ]);
  });
});

describe('customer balance and statement', () => {
  it('gives the balance per currency as of a date and a statement with opening and running balances', async () => {
    const log = createEventLog('tenant-1');
    log.invoice('inv-1', { customer: acme, issueDate: '2026-01-15' }, '2026-01-15T09:00:00Z'); // +125.00
    log.pay('inv-1', 'pay-1', '50.00', '2026-01-20T09:00:00Z'); // −50.00
    log.pay('inv-1', 'pay-2', '75.00', '2026-02-03T09:00:00Z'); // −75.00
    log.invoice('inv-2', { customer: acme, issueDate: '2026-02-10' }, '2026-02-10T09:00:00Z'); // +125.00
    log.creditNote('cn-1', 'inv-2', '25.00', '2026-02-12T09:00:00Z'); // −25.00
    log.invoice(
      'inv-3',
      { customer: acme, currency: 'USD', issueDate: '2026-02-11' },
      '2026-02-11T09:00:00Z',
    );
    log.invoice('inv-9', { customer: globex, issueDate: '2026-02-10' }, '2026-02-10T09:00:00Z');
    await project(store, log.events);

    expect(await queries.customerBalance('tenant-1', 'cust-1', date('2026-01-31'))).toEqual([
      { currency: 'EUR', balance: '75.00' },
    ]);
    expect(await queries.customerBalance('tenant-1', 'cust-1')).toEqual([
      { currency: 'EUR', balance: '100.00' },
      { currency: 'USD', balance: '125.00' },
    ]);
    expect(await queries.customerBalance('tenant-2', 'cust-1')).toEqual([]);

    const statement = await queries.customerStatement(
      'tenant-1',
      'cust-1',
      date('2026-02-01'),
      date('2026-02-28'),
    );
    expect(statement.customerName).toBe('Acme GmbH');
    const eur = statement.currencies.find((entry) => entry.currency === 'EUR');
    expect(eur?.openingBalance).toBe('75.00');
    expect(
      eur?.lines.map((line) => [line.date, line.kind, line.documentNumber, line.amount, line.balance]),
    ).toEqual([
      ['2026-02-03', 'payment', 'INV-2026-000001', '-75.00', '0.00'],
      ['2026-02-10', 'invoice', 'INV-2026-000002', '125.00', '125.00'],
      ['2026-02-12', 'credit_note', 'CN-2026-000001', '-25.00', '100.00'],
    ]);
    expect(eur?.closingBalance).toBe('100.00');
    expect(statement.currencies.find((entry) => entry.currency === 'USD')).toMatchObject({
      openingBalance: '0.00',
      closingBalance: '125.00',
    });
  });
});

describe('imported credit notes (worked example, March 2026)', () => {
  it('are owed to the customer, reduce output VAT and revenue, and are no receivable', async () => {
    const log = createEventLog('tenant-1');
    const importedCreditNote = (issueDate: string, netPrice: string) => ({
      customer: acme,
      issueDate,
      series: 'CN',
      documentType: 'credit_note' as const,
      lines: [{ id: '1', quantity: '1', netPrice, vat: S25 }],
    });
    log.invoice('inv-1', { customer: acme, issueDate: '2026-03-02' }, '2026-03-02T09:00:00Z'); // 125.00, due 1 April
    log.invoice('cn-1', importedCreditNote('2026-03-10', '40.00'), '2026-03-10T09:00:00Z'); // 50.00 owed to Acme
    log.invoice('cn-2', importedCreditNote('2026-03-12', '20.00'), '2026-03-12T09:00:00Z'); // 25.00 owed to Acme
    log.pay('cn-1', 'refund-1', '50.00', '2026-03-20T09:00:00Z'); // cn-1 refunded
    await project(store, log.events);

    // 125.00 − 50.00 − 25.00 + 50.00 refunded = 100.00.
    expect(await queries.customerBalance('tenant-1', 'cust-1')).toEqual([
      { currency: 'EUR', balance: '100.00' },
    ]);
    const statement = await queries.customerStatement(
      'tenant-1',
      'cust-1',
      date('2026-03-01'),
      date('2026-03-31'),
    );
    expect(
      statement.currencies[0]?.lines.map((line) => [
        line.date,
        line.kind,
        line.documentNumber,
        line.amount,
        line.balance,
      ]),
    ).toEqual([
      ['2026-03-02', 'invoice', 'INV-2026-000001', '125.00', '125.00'],
      ['2026-03-10', 'credit_note', 'CN-2026-000001', '-50.00', '75.00'],
      ['2026-03-12', 'credit_note', 'CN-2026-000002', '-25.00', '50.00'],
      ['2026-03-20', 'refund', 'CN-2026-000001', '50.00', '100.00'],
    ]);
    // Aging lists receivables only: the invoice, 29 days past its due date; the credit notes are not owed to us.
    const aging = await queries.agingReport('tenant-1', date('2026-04-30'));
    expect(aging.invoices.map((row) => [row.invoiceId, row.bucket, row.amountDue])).toEqual([
      ['inv-1', 'days1to30', '125.00'],
    ]);
    // 25 %: 100.00 − 40.00 − 20.00 = 40.00, VAT 25.00 − 10.00 − 5.00 = 10.00.
    expect((await queries.taxReport('tenant-1', date('2026-03-01'), date('2026-03-31'))).lines).toEqual([
      { currency: 'EUR', category: 'S', rate: '25', taxableAmount: '40.00', taxAmount: '10.00' },
    ]);
    // 125.00 − 50.00 − 25.00 invoiced; nothing received, 50.00 refunded.
    expect(await queries.revenue('tenant-1', month('2026-03'), month('2026-03'))).toEqual([
      { month: '2026-03', currency: 'EUR', approved: '50.00', paid: '-50.00' },
    ]);
  });
});

describe('invoice list and detail', () => {
  const scenario = () => {
    const log = createEventLog('tenant-1');
    log.invoice(
      'inv-1',
      { customer: acme, issueDate: '2026-01-10', dueDate: '2026-02-09' },
      '2026-01-10T09:00:00Z',
    );
    log.invoice(
      'inv-2',
      { customer: globex, issueDate: '2026-02-10', dueDate: '2026-03-12' },
      '2026-02-10T09:00:00Z',
    );
    log.pay('inv-2', 'pay-1', '125.00', '2026-02-15T09:00:00Z');
    log.invoice(
      'inv-3',
      { customer: acme, issueDate: '2026-03-10', dueDate: '2026-04-09' },
      '2026-03-10T09:00:00Z',
    );
    log.draft('inv-4', { customer: acme, issueDate: '2026-03-10' }, '2026-03-10T09:00:00Z');
    const other = createEventLog('tenant-2', 1000n);
    other.invoice('inv-1', { customer: acme, issueDate: '2026-01-10' }, '2026-01-10T09:00:00Z');
    return [...log.events, ...other.events];
  };

  it('pages newest first with an opaque cursor and never shows another tenant’s invoices', async () => {
    await project(store, scenario());
    const first = await queries.listInvoices('tenant-1', { first: 3 });
    if (E.isLeft(first)) throw new Error(first.left._tag);
    expect(first.right.edges.map((edge) => edge.node.invoiceId)).toEqual(['inv-4', 'inv-3', 'inv-2']);
    expect(first.right.pageInfo.hasNextPage).toBe(true);
    const after = first.right.pageInfo.endCursor;
    const second = await queries.listInvoices('tenant-1', {
      first: 3,
      ...(after === undefined ? {} : { after }),
    });
    if (E.isLeft(second)) throw new Error(second.left._tag);
    expect(second.right.edges.map((edge) => edge.node.invoiceId)).toEqual(['inv-1']);
    expect(second.right.pageInfo.hasNextPage).toBe(false);
    expect(await queries.listInvoices('tenant-1', { after: 'garbage' })).toEqual(
      E.left({ _tag: 'InvalidCursor', cursor: 'garbage' }),
    );
  });

  it('filters by status, customer, issue dates and overdue as of a date', async () => {
    await project(store, scenario());
    const ids = async (options: Parameters<ReadModelQueries['listInvoices']>[1]) => {
      const page = await queries.listInvoices('tenant-1', options);
      return E.isRight(page) ? page.right.edges.map((edge) => edge.node.invoiceId) : page.left._tag;
    };
    expect(await ids({ status: 'paid' })).toEqual(['inv-2']);
    expect(await ids({ customerId: 'cust-1' })).toEqual(['inv-4', 'inv-3', 'inv-1']);
    expect(await ids({ from: date('2026-02-01'), to: date('2026-02-28') })).toEqual(['inv-2']);
    // On 2026-03-15 inv-1 (due 9 Feb) is overdue; inv-2 is paid, inv-3 not yet due, inv-4 a draft.
    expect(await ids({ status: 'overdue', asOf: date('2026-03-15') })).toEqual(['inv-1']);
    expect(await ids({ status: 'overdue' })).toBe('AsOfRequired');
  });

  it('returns one invoice in detail, for its own tenant only', async () => {
    await project(store, scenario());
    const invoice = await queries.getInvoice('tenant-1', 'inv-2', { asOf: date('2026-03-15') });
    expect(invoice).toMatchObject({
      number: 'INV-2026-000002',
      status: 'paid',
      overdue: false,
      customer: globex,
      payable: '125.00',
      amountPaid: '125.00',
      amountDue: '0.00',
      totals: { payableAmount: '125.00' },
      creditNotes: [],
      providerSync: {},
      streamVersion: 4,
    });
    expect(await queries.getInvoice('tenant-2', 'inv-2')).toBeUndefined();
    expect((await queries.getInvoice('tenant-1', 'inv-4'))?.amountDue).toBeNull();
  });
});

describe('number register and read-model position', () => {
  it('lists every number with its status, and the position all read models reflect', async () => {
    const log = createEventLog('tenant-1');
    log.invoice('inv-1', { customer: acme, issueDate: '2026-01-10' }, '2026-01-10T09:00:00Z');
    log.draft('inv-2', { customer: acme, issueDate: '2026-01-11' }, '2026-01-11T09:00:00Z');
    const reservation = log.approve('inv-2', '2026-01-11T09:00:00Z').slice(0, 1);
    log.annul('INV', 2026, 2, '2026-01-11T09:05:00Z');
    const events = log.events.filter(
      (event) => event.event.type !== 'InvoiceApproved' || event.event.data.invoiceId !== 'inv-2',
    );
    expect(reservation).toHaveLength(1);
    expect(await queries.readModelPosition()).toBeUndefined();
    await project(store, events);
    expect(
      (await queries.numberRegister('tenant-1', { series: 'INV', year: 2026 })).map((entry) => [
        entry.number,
        entry.status,
        entry.annulmentReason,
      ]),
    ).toEqual([
      ['INV-2026-000001', 'issued', null],
      ['INV-2026-000002', 'annulled', 'Approval failed'],
    ]);
    expect(await queries.numberRegister('tenant-2')).toEqual([]);
    expect(await queries.readModelPosition()).toBe(events.at(-1)?.globalPosition);
  });
});

describe('redelivery against SQLite', () => {
  it('applying the whole log a second time changes no answer', async () => {
    const log = createEventLog('tenant-1');
    log.invoice('inv-1', { customer: acme, issueDate: '2026-01-15' }, '2026-01-15T09:00:00Z');
    log.pay('inv-1', 'pay-1', '50.00', '2026-01-20T09:00:00Z');
    log.creditNote('cn-1', 'inv-1', '25.00', '2026-01-22T09:00:00Z');
    log.invoice('inv-2', { customer: acme, issueDate: '2026-01-16' }, '2026-01-16T09:00:00Z');
    log.voidInvoice('inv-2', '2026-01-17T09:00:00Z');
    await project(store, log.events);
    const answers = async () => ({
      invoice: await queries.getInvoice('tenant-1', 'inv-1'),
      balance: await queries.customerBalance('tenant-1', 'cust-1'),
      aging: await queries.agingReport('tenant-1', date('2026-03-01')),
      tax: await queries.taxReport('tenant-1', date('2026-01-01'), date('2026-12-31')),
      revenue: await queries.revenue('tenant-1', month('2026-01'), month('2026-12')),
      numbers: await queries.numberRegister('tenant-1'),
    });
    const before = await answers();
    expect(before.balance).toEqual([{ currency: 'EUR', balance: '50.00' }]);
    for (const projection of allProjections) {
      // Past the checkpoint's protection: every event reaches `apply` again.
      await store.transaction((tx) => applyBatch(tx, projection, 1, log.events, undefined));
    }
    expect(await answers()).toEqual(before);
  });
});
