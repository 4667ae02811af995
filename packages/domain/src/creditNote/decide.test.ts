import { describe, expect, it } from 'vitest';

import { decimal } from '../money/decimal.js';
import { deciderSpec, decode } from '../testing/index.js';
import type { CreditNoteCommand } from './commands.js';
import { IssueCreditNote } from './commands.js';
import { creditNoteDecider } from './decider.js';
import type { CreditNoteEvent } from './events.js';
import { CreditNoteIssued } from './events.js';

const spec = deciderSpec(creditNoteDecider);
const NOW = '2026-04-02T10:00:00Z';

/** An invoice with two VAT rates: 100.00 at 25 % (gross 125.00) and 200.00 at 10 % (gross 220.00). */
const twoRateInvoice = {
  invoiceId: 'inv-1',
  number: 'INV-2026-000001',
  status: 'sent',
  currency: 'EUR',
  amountDue: '345.00',
  vatBreakdown: [
    { category: 'S', rate: '25', taxableAmount: '100.00', taxAmount: '25.00' },
    { category: 'S', rate: '10', taxableAmount: '200.00', taxAmount: '20.00' },
  ],
};

const issue = (
  content: unknown,
  overrides: Record<string, unknown> = {},
  invoice: Record<string, unknown> = {},
): CreditNoteCommand =>
  decode(IssueCreditNote, {
    type: 'IssueCreditNote',
    data: {
      creditNoteId: 'cn-1',
      tenantId: 'tenant-1',
      now: NOW,
      number: 'CN-2026-000001',
      currency: 'EUR',
      reason: 'Goodwill discount',
      invoice: { ...twoRateInvoice, ...invoice },
      content,
      ...overrides,
    },
  });

const byLines = {
  lines: [{ id: '1', quantity: '1', netPrice: '40.00', vat: { category: 'S', rate: '25' } }],
};

const issuedEvent = (command: CreditNoteCommand): CreditNoteEvent => {
  const [event] = spec.given([]).when(command).thenEvents();
  if (event === undefined) throw new Error('expected CreditNoteIssued');
  return event;
};

const given = { none: [], issued: [issuedEvent(issue(byLines))] } satisfies Record<string, CreditNoteEvent[]>;

describe('credit note: every command in every state', () => {
  it('given none, when IssueCreditNote: issued', () => {
    expect(
      spec
        .given(given.none)
        .when(issue(byLines))
        .thenEvents()
        .map((e) => e.type),
    ).toEqual(['CreditNoteIssued']);
  });

  it('given issued, when IssueCreditNote: refused, a stream holds one credit note', () => {
    const error = spec
      .given(given.issued)
      .when(issue(byLines, { creditNoteId: 'cn-2' }))
      .thenError('CreditNoteAlreadyIssued');
    expect(error).toEqual({
      _tag: 'CreditNoteAlreadyIssued',
      creditNoteId: 'cn-1',
      number: 'CN-2026-000001',
    });
  });
});

describe('issuing a credit note', () => {
  it('freezes the lines, totals and VAT breakdown of an itemised credit note', () => {
    spec
      .given([])
      .when(issue(byLines))
      .then([
        decode(CreditNoteIssued, {
          type: 'CreditNoteIssued',
          data: {
            creditNoteId: 'cn-1',
            tenantId: 'tenant-1',
            number: 'CN-2026-000001',
            invoiceId: 'inv-1',
            invoiceNumber: 'INV-2026-000001',
            currency: 'EUR',
            reason: 'Goodwill discount',
            issueDate: '2026-04-02',
            content: {
              lines: byLines.lines,
              allowances: [],
              charges: [],
              pricesIncludeTax: false,
              rounding: 'half_away_from_zero',
            },
            totals: {
              lineExtensionAmount: '40.00',
              allowanceTotalAmount: '0.00',
              chargeTotalAmount: '0.00',
              taxExclusiveAmount: '40.00',
              taxAmount: '10.00',
              taxInclusiveAmount: '50.00',
              prepaidAmount: '0.00',
              payableRoundingAmount: '0.00',
              payableAmount: '50.00',
            },
            vatBreakdown: [{ category: 'S', rate: '25', taxableAmount: '40.00', taxAmount: '10.00' }],
            issuedAt: NOW,
          },
        }),
      ]);
  });

  it('spreads a gross amount over two VAT rates in proportion to their gross, summing exactly', () => {
    const event = issuedEvent(issue({ amount: '100.00' }));
    // 100.00 × 125/345 = 36.231… → 36.23; 100.00 × 220/345 = 63.768… → 63.77
    expect(event.data.content.pricesIncludeTax).toBe(true);
    expect(
      event.data.content.lines.map((line) => [line.netPrice?.toFixed(), line.vat.rate?.toFixed()]),
    ).toEqual([
      ['36.23', '25'],
      ['63.77', '10'],
    ]);
    expect(event.data.totals.payableAmount).toBe('100.00');
    expect(event.data.vatBreakdown).toEqual([
      { category: 'S', rate: '25', taxableAmount: '28.98', taxAmount: '7.25' },
      { category: 'S', rate: '10', taxableAmount: '57.97', taxAmount: '5.80' },
    ]);
  });

  it.each(['0.01', '0.02', '0.03', '1.00', '33.33', '99.99', '100.01', '344.99', '345.00'])(
    'credits exactly %s EUR by amount',
    (amount) => {
      const event = issuedEvent(issue({ amount }));
      expect(event.data.totals.payableAmount).toBe(amount);
      const gross = event.data.vatBreakdown.reduce(
        (sum, entry) => sum.plus(decimal(entry.taxableAmount)).plus(decimal(entry.taxAmount)),
        decimal('0'),
      );
      expect(gross.eq(decimal(amount))).toBe(true);
    },
  );

  it('credits JPY and KWD amounts exactly in their own minor units', () => {
    const yen = issuedEvent(
      issue(
        { amount: '1001' },
        { currency: 'JPY' },
        {
          currency: 'JPY',
          amountDue: '3400',
          vatBreakdown: [
            { category: 'S', rate: '10', taxableAmount: '2000', taxAmount: '200' },
            { category: 'S', rate: '8', taxableAmount: '1000', taxAmount: '80' },
            { category: 'Z', rate: '0', taxableAmount: '120', taxAmount: '0' },
          ],
        },
      ),
    );
    expect(yen.data.totals.payableAmount).toBe('1001');
    expect(yen.data.content.lines).toHaveLength(3);

    const fils = issuedEvent(
      issue(
        { amount: '7.777' },
        { currency: 'KWD' },
        {
          currency: 'KWD',
          amountDue: '20.000',
          vatBreakdown: [
            { category: 'S', rate: '5', taxableAmount: '10.000', taxAmount: '0.500' },
            {
              category: 'E',
              rate: '0',
              taxableAmount: '9.500',
              taxAmount: '0.000',
              exemptionReason: 'Exempt',
            },
          ],
        },
      ),
    );
    expect(fils.data.totals.payableAmount).toBe('7.777');
    expect(fils.data.vatBreakdown.find((entry) => entry.category === 'E')?.exemptionReason).toBe('Exempt');
    spec
      .given([])
      .when(issue({ amount: '1.0001' }, { currency: 'KWD' }, { currency: 'KWD', amountDue: '20.000' }))
      .thenError('AmountPrecisionExceeded');
  });

  it('refuses a credit note above the amount due, by amount or by lines', () => {
    spec
      .given([])
      .when(issue({ amount: '345.01' }))
      .thenError('CreditExceedsAmountDue');
    const error = spec
      .given([])
      .when(issue(byLines, {}, { amountDue: '49.99' }))
      .thenError('CreditExceedsAmountDue');
    expect(error).toMatchObject({ amount: '50.00', amountDue: '49.99' });
  });

  it.each(['draft', 'paid', 'void', 'uncollectible'])('refuses to credit a %s invoice', (status) => {
    spec
      .given([])
      .when(issue(byLines, {}, { status }))
      .thenError('InvoiceNotCreditable');
  });

  it.each(['approved', 'sent', 'partially_paid'])('credits a %s invoice', (status) => {
    spec
      .given([])
      .when(issue(byLines, {}, { status }))
      .thenEvents();
  });

  it('refuses another currency than the invoice', () => {
    const error = spec
      .given([])
      .when(issue(byLines, { currency: 'USD' }))
      .thenError('CurrencyMismatch');
    expect(error).toEqual({ _tag: 'CurrencyMismatch', expected: 'EUR', actual: 'USD' });
  });

  it('refuses empty, invalid or zero content', () => {
    spec
      .given([])
      .when(issue({ lines: [] }))
      .thenError('CreditNoteHasNoLines');
    spec
      .given([])
      .when(issue({ lines: [{ id: '1', quantity: '1', netPrice: '10', vat: { category: 'S' } }] }))
      .thenError('InvalidCreditNoteContent');
    spec
      .given([])
      .when(issue({ amount: '0' }))
      .thenError('NonPositiveAmount');
    spec
      .given([])
      .when(
        issue({ lines: [{ id: '1', quantity: '0', netPrice: '10', vat: { category: 'S', rate: '25' } }] }),
      )
      .thenError('NonPositiveAmount');
  });

  it('refuses content with both lines and an amount at the edge', () => {
    const both = IssueCreditNote.decode({
      type: 'IssueCreditNote',
      data: { ...IssueCreditNote.encode(issue(byLines)).data, content: { ...byLines, amount: '1.00' } },
    });
    expect(both._tag).toBe('Left');
  });

  it('refuses a credit by amount when no VAT rate of the invoice has a positive gross', () => {
    spec
      .given([])
      .when(issue({ amount: '1.00' }, {}, { vatBreakdown: [] }))
      .thenError('NoVatBreakdownToAllocate');
  });

  it('round-trips its event through JSON and the codec', () => {
    for (const event of [issuedEvent(issue(byLines)), issuedEvent(issue({ amount: '10.00' }))]) {
      const stored: unknown = JSON.parse(JSON.stringify(CreditNoteIssued.encode(event)));
      expect(decode(CreditNoteIssued, stored)).toEqual(event);
    }
  });
});
