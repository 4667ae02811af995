import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { foldEvents } from '../shared/decider.js';
import { InvoiceId } from '../shared/ids.js';
import { deciderSpec, decode } from '../testing/index.js';
import type { InvoiceCommand } from './commands.js';
import { InvoiceCommand as InvoiceCommandCodec } from './commands.js';
import { planApproval } from './decide.js';
import { invoiceDecider } from './decider.js';
import type { InvoiceEvent } from './events.js';
import { InvoiceEvent as InvoiceEventCodec } from './events.js';
import type { InvoiceState, IssuedInvoice } from './state.js';
import { amountDue, invoiceStatus } from './state.js';

const spec = deciderSpec(invoiceDecider);

const NOW = '2026-03-01T09:00:00Z';
const LATER = '2026-03-10T12:00:00Z';
const target = { invoiceId: 'inv-1', tenantId: 'tenant-1', now: NOW };

/** Commands as they arrive on the wire, decoded with the command codec. */
const command = (type: InvoiceCommand['type'], data: Record<string, unknown> = {}): InvoiceCommand =>
  decode(InvoiceCommandCodec, { type, data: { ...target, ...data } });

const event = (type: InvoiceEvent['type'], data: Record<string, unknown>): InvoiceEvent =>
  decode(InvoiceEventCodec, { type, data: { invoiceId: 'inv-1', ...data } });

const S25 = { category: 'S', rate: '25' };
const customer = { id: 'cust-1', name: 'Fjord Shipping AS' };
/** 2 × 50.00 at 25 % VAT: 100.00 + 25.00 = 125.00 payable. */
const draftContent = {
  currency: 'EUR',
  customer,
  lines: [{ id: '1', quantity: '2', netPrice: '50.00', vat: S25 }],
};

const create = (data: Record<string, unknown> = {}) =>
  command('CreateDraftInvoice', { ...draftContent, ...data });
const revise = (data: Record<string, unknown> = {}) => command('ReviseDraftInvoice', data);
const approve = (number = 'INV-2026-000001', counter = 1) => command('ApproveInvoice', { number, counter });
const send = (channel = 'email') => command('SendInvoice', { channel });
const deliver = (channel = 'email') => command('MarkInvoiceDelivered', { channel, deliveredAt: LATER });
const pay = (paymentId: string, amount: string, extra: Record<string, unknown> = {}) =>
  command('RecordPayment', { paymentId, amount, currency: 'EUR', paidAt: LATER, ...extra });
const voidIt = () => command('VoidInvoice', { reason: 'Issued to the wrong customer' });
const writeOff = () => command('WriteOffInvoice', { reason: 'Customer insolvent' });
const credit = (creditNoteId: string, amount: string) => command('ApplyCreditNote', { creditNoteId, amount });

/** The events of a sequence of commands, each decided on the state the previous ones left. */
const history = (...commands: ReadonlyArray<InvoiceCommand>): ReadonlyArray<InvoiceEvent> =>
  commands.reduce<ReadonlyArray<InvoiceEvent>>((events, next) => {
    const decision = invoiceDecider.decide(next, foldEvents(invoiceDecider, events));
    if (E.isLeft(decision)) throw new Error(`history: ${next.type} refused with ${decision.left._tag}`);
    return [...events, ...decision.right];
  }, []);

const stateAfter = (events: ReadonlyArray<InvoiceEvent>): InvoiceState => foldEvents(invoiceDecider, events);

const issuedAfter = (events: ReadonlyArray<InvoiceEvent>): IssuedInvoice => {
  const state = stateAfter(events);
  if (state._tag !== 'IssuedInvoice') throw new Error(`expected an issued invoice, got ${state._tag}`);
  return state;
};

const STATES = {
  none: [],
  draft: history(create()),
  approved: history(create(), approve()),
  sent: history(create(), approve(), send()),
  partially_paid: history(create(), approve(), send(), pay('pay-1', '50.00')),
  paid: history(create(), approve(), send(), pay('pay-1', '125.00')),
  void: history(create(), approve(), send(), voidIt()),
  uncollectible: history(create(), approve(), send(), pay('pay-1', '50.00'), writeOff()),
} satisfies Record<string, ReadonlyArray<InvoiceEvent>>;
type StateName = keyof typeof STATES;

const COMMANDS = {
  CreateDraftInvoice: create,
  ReviseDraftInvoice: () => revise({ notes: 'Thank you' }),
  ApproveInvoice: () => approve(),
  'SendInvoice (email, the channel used)': () => send('email'),
  'SendInvoice (peppol, a new channel)': () => send('peppol'),
  MarkInvoiceDelivered: () => deliver('email'),
  RecordPayment: () => pay('pay-new', '10.00'),
  VoidInvoice: voidIt,
  WriteOffInvoice: writeOff,
  ApplyCreditNote: () => credit('cn-1', '10.00'),
} satisfies Record<string, () => InvoiceCommand>;
type CommandName = keyof typeof COMMANDS;

/** Event types decided, an error tag, or nothing to do. */
type Outcome = ReadonlyArray<InvoiceEvent['type']> | { readonly error: string } | 'nothing';

const notFound = { error: 'InvoiceNotFound' };
const exists = { error: 'InvoiceAlreadyExists' };
const notDraft = { error: 'InvoiceNotDraft' };
const illegal = { error: 'InvalidTransition' };
const settledInPart = { error: 'InvoiceHasPaymentsOrCredits' };
const notSentThere = { error: 'InvoiceNotSentOnChannel' };

// Columns: none, draft, approved, sent, partially_paid, paid, void, uncollectible.
const OUTCOMES: Record<CommandName, Record<StateName, Outcome>> = {
  CreateDraftInvoice: {
    none: ['InvoiceDraftCreated'],
    draft: exists,
    approved: exists,
    sent: exists,
    partially_paid: exists,
    paid: exists,
    void: exists,
    uncollectible: exists,
  },
  ReviseDraftInvoice: {
    none: notFound,
    draft: ['InvoiceDraftRevised'],
    approved: notDraft,
    sent: notDraft,
    partially_paid: notDraft,
    paid: notDraft,
    void: notDraft,
    uncollectible: notDraft,
  },
  ApproveInvoice: {
    none: notFound,
    draft: ['InvoiceApproved'],
    // Approving again with the number it already carries is a retry: nothing to do.
    approved: 'nothing',
    sent: 'nothing',
    partially_paid: 'nothing',
    paid: 'nothing',
    void: 'nothing',
    uncollectible: 'nothing',
  },
  'SendInvoice (email, the channel used)': {
    none: notFound,
    draft: illegal,
    approved: ['InvoiceSent'],
    sent: 'nothing',
    partially_paid: 'nothing',
    paid: 'nothing',
    void: illegal,
    uncollectible: illegal,
  },
  'SendInvoice (peppol, a new channel)': {
    none: notFound,
    draft: illegal,
    approved: ['InvoiceSent'],
    sent: ['InvoiceSent'],
    partially_paid: ['InvoiceSent'],
    paid: ['InvoiceSent'],
    void: illegal,
    uncollectible: illegal,
  },
  MarkInvoiceDelivered: {
    none: notFound,
    draft: illegal,
    approved: notSentThere,
    sent: ['InvoiceDelivered'],
    partially_paid: ['InvoiceDelivered'],
    paid: ['InvoiceDelivered'],
    // A late confirmation is still a fact about the channel it was sent on.
    void: ['InvoiceDelivered'],
    uncollectible: ['InvoiceDelivered'],
  },
  RecordPayment: {
    none: notFound,
    draft: illegal,
    approved: ['PaymentRecorded'],
    sent: ['PaymentRecorded'],
    partially_paid: ['PaymentRecorded'],
    paid: illegal,
    void: illegal,
    uncollectible: illegal,
  },
  VoidInvoice: {
    none: notFound,
    draft: illegal,
    approved: ['InvoiceVoided'],
    sent: ['InvoiceVoided'],
    partially_paid: settledInPart,
    paid: settledInPart,
    void: 'nothing',
    uncollectible: illegal,
  },
  WriteOffInvoice: {
    none: notFound,
    draft: illegal,
    approved: ['InvoiceWrittenOff'],
    sent: ['InvoiceWrittenOff'],
    partially_paid: ['InvoiceWrittenOff'],
    paid: illegal,
    void: illegal,
    uncollectible: 'nothing',
  },
  ApplyCreditNote: {
    none: notFound,
    draft: illegal,
    approved: ['CreditNoteApplied'],
    sent: ['CreditNoteApplied'],
    partially_paid: ['CreditNoteApplied'],
    paid: illegal,
    void: illegal,
    uncollectible: illegal,
  },
};

/** Status after the decision, where it changes or must not. */
const STATUS_AFTER: Partial<Record<CommandName, Partial<Record<StateName, string>>>> = {
  CreateDraftInvoice: { none: 'draft' },
  ReviseDraftInvoice: { draft: 'draft' },
  ApproveInvoice: { draft: 'approved' },
  'SendInvoice (email, the channel used)': { approved: 'sent' },
  'SendInvoice (peppol, a new channel)': {
    approved: 'sent',
    sent: 'sent',
    partially_paid: 'partially_paid',
    paid: 'paid',
  },
  MarkInvoiceDelivered: { sent: 'sent', void: 'void' },
  RecordPayment: { approved: 'partially_paid', sent: 'partially_paid', partially_paid: 'partially_paid' },
  VoidInvoice: { approved: 'void', sent: 'void' },
  WriteOffInvoice: { approved: 'uncollectible', sent: 'uncollectible', partially_paid: 'uncollectible' },
  ApplyCreditNote: { approved: 'approved', sent: 'sent', partially_paid: 'partially_paid' },
};

const cells = (Object.keys(COMMANDS) as CommandName[]).flatMap((commandName) =>
  (Object.keys(STATES) as StateName[]).map((stateName) => ({ commandName, stateName })),
);

describe('invoice: every command in every state', () => {
  it.each(cells)('given $stateName, when $commandName', ({ commandName, stateName }) => {
    const when = spec.given(STATES[stateName]).when(COMMANDS[commandName]());
    const outcome = OUTCOMES[commandName][stateName];
    if (outcome === 'nothing') {
      when.thenNothing();
    } else if ('error' in outcome) {
      when.thenError(outcome.error as never);
    } else {
      expect(when.thenEvents().map((e) => e.type)).toEqual(outcome);
      const status = STATUS_AFTER[commandName]?.[stateName];
      if (status !== undefined) expect(invoiceStatus(when.thenState())).toBe(status);
    }
  });
});

describe('creating and revising drafts', () => {
  it('defaults the series, the issue date (the date of now), 30-day terms and the rounding mode', () => {
    spec
      .given([])
      .when(create())
      .then([
        event('InvoiceDraftCreated', {
          tenantId: 'tenant-1',
          content: {
            series: 'INV',
            currency: 'EUR',
            customer,
            issueDate: '2026-03-01',
            dueDate: '2026-03-31',
            paymentTermsDays: 30,
            pricesIncludeTax: false,
            lines: draftContent.lines,
            allowances: [],
            charges: [],
            rounding: 'half_away_from_zero',
          },
          createdAt: NOW,
        }),
      ]);
  });

  it('takes the issue date in the offset `now` was written in', () => {
    const [created] = spec
      .given([])
      .when(create({ now: '2026-12-31T23:30:00-05:00' }))
      .thenEvents();
    expect(created?.type === 'InvoiceDraftCreated' && created.data.content.issueDate).toBe('2026-12-31');
    expect(created?.type === 'InvoiceDraftCreated' && created.data.content.dueDate).toBe('2027-01-30');
  });

  it('computes the due date from payment terms, across month ends and leap days', () => {
    const dueDateOf = (data: Record<string, unknown>): string | undefined => {
      const [created] = spec.given([]).when(create(data)).thenEvents();
      return created?.type === 'InvoiceDraftCreated' ? created.data.content.dueDate : undefined;
    };
    expect(dueDateOf({ issueDate: '2026-01-31', paymentTermsDays: 14 })).toBe('2026-02-14');
    expect(dueDateOf({ issueDate: '2028-02-20', paymentTermsDays: 10 })).toBe('2028-03-01');
    expect(dueDateOf({ issueDate: '2027-02-20', paymentTermsDays: 10 })).toBe('2027-03-02');
    expect(dueDateOf({ issueDate: '2026-03-01', paymentTermsDays: 0 })).toBe('2026-03-01');
    expect(dueDateOf({ issueDate: '2026-03-01', dueDate: '2026-04-15' })).toBe('2026-04-15');
  });

  it('refuses a due date before the issue date, beyond 9999, or given both as date and terms', () => {
    const early = spec
      .given([])
      .when(create({ issueDate: '2026-03-01', dueDate: '2026-02-28' }))
      .thenError('InvalidDueDate');
    expect(early.reason).toBe('before_issue_date');
    const both = spec
      .given([])
      .when(create({ dueDate: '2026-04-01', paymentTermsDays: 30 }))
      .thenError('InvalidDueDate');
    expect(both.reason).toBe('both_date_and_terms');
    const late = spec
      .given([])
      .when(create({ issueDate: '9999-12-20', paymentTermsDays: 30 }))
      .thenError('InvalidDueDate');
    expect(late.reason).toBe('out_of_range');
  });

  it('refuses commands with malformed fields at the edge', () => {
    const attempt = (data: Record<string, unknown>) =>
      InvoiceCommandCodec.decode({
        type: 'CreateDraftInvoice',
        data: { ...target, ...draftContent, ...data },
      });
    expect(E.isLeft(attempt({ series: 'inv' }))).toBe(true);
    expect(E.isLeft(attempt({ issueDate: '2026-02-29' }))).toBe(true);
    expect(E.isLeft(attempt({ now: '2026-03-01T09:00:00' }))).toBe(true);
    expect(E.isLeft(attempt({ currency: 'EURO' }))).toBe(true);
    expect(E.isLeft(attempt({ paymentTermsDays: -1 }))).toBe(true);
    expect(E.isLeft(attempt({ paymentTermsDays: 1.5 }))).toBe(true);
    expect(E.isLeft(attempt({ customer: { id: 'c', name: '  ' } }))).toBe(true);
    expect(E.isLeft(attempt({ invoiceId: 'inv/1' }))).toBe(true);
  });

  it('moves a term-based due date with a revised issue date', () => {
    const [revised] = spec
      .given(STATES.draft)
      .when(revise({ issueDate: '2026-03-05' }))
      .thenEvents();
    expect(revised?.type === 'InvoiceDraftRevised' && revised.data.content.dueDate).toBe('2026-04-04');
  });

  it('keeps a fixed due date when the issue date moves, and checks it still follows', () => {
    const given = history(create({ dueDate: '2026-03-20' }));
    const [revised] = spec
      .given(given)
      .when(revise({ issueDate: '2026-03-05' }))
      .thenEvents();
    expect(revised?.type === 'InvoiceDraftRevised' && revised.data.content.dueDate).toBe('2026-03-20');
    spec
      .given(given)
      .when(revise({ issueDate: '2026-03-25' }))
      .thenError('InvalidDueDate');
  });

  it('switches between a due date and terms, and clears optional fields with null', () => {
    const given = history(create({ notes: 'Old note', reference: 'PO-1' }));
    const [revised] = spec
      .given(given)
      .when(revise({ dueDate: '2026-05-01', notes: null, lines: [], currency: 'NOK' }))
      .thenEvents();
    if (revised?.type !== 'InvoiceDraftRevised') throw new Error('expected a revision');
    expect(revised.data.content.dueDate).toBe('2026-05-01');
    expect(revised.data.content.paymentTermsDays).toBeUndefined();
    expect(revised.data.content.notes).toBeUndefined();
    expect(revised.data.content.reference).toBe('PO-1');
    expect(revised.data.content.currency).toBe('NOK');
    expect(revised.data.content.lines).toEqual([]);
  });
});

describe('approving', () => {
  it('freezes the number, the totals and the VAT breakdown as decimal strings', () => {
    spec
      .given(STATES.draft)
      .when(approve())
      .then([
        event('InvoiceApproved', {
          number: 'INV-2026-000001',
          series: 'INV',
          year: 2026,
          counter: 1,
          issueDate: '2026-03-01',
          dueDate: '2026-03-31',
          currency: 'EUR',
          totals: {
            lineExtensionAmount: '100.00',
            allowanceTotalAmount: '0.00',
            chargeTotalAmount: '0.00',
            taxExclusiveAmount: '100.00',
            taxAmount: '25.00',
            taxInclusiveAmount: '125.00',
            prepaidAmount: '0.00',
            payableRoundingAmount: '0.00',
            payableAmount: '125.00',
          },
          vatBreakdown: [{ category: 'S', rate: '25', taxableAmount: '100.00', taxAmount: '25.00' }],
          approvedAt: NOW,
        }),
      ]);
  });

  it('tells the command handler which series and year to number in, before a number is reserved', () => {
    const plan = planApproval(
      stateAfter(history(create({ series: 'B2B', issueDate: '2025-12-31' }))),
      decode(InvoiceId, 'inv-1'),
    );
    expect(E.isRight(plan) && { series: plan.right.series, year: plan.right.year }).toEqual({
      series: 'B2B',
      year: 2025,
    });
    expect(
      E.isLeft(planApproval(stateAfter(history(create({ lines: [] }))), decode(InvoiceId, 'inv-1'))),
    ).toBe(true);
  });

  it('refuses a draft without lines', () => {
    spec
      .given(history(create({ lines: [] })))
      .when(approve())
      .thenError('InvoiceHasNoLines');
  });

  it('refuses a draft that does not calculate, with every issue and its path', () => {
    const error = spec
      .given(
        history(
          create({
            lines: [
              { id: '1', quantity: '1', netPrice: '10.001', vat: S25 },
              { id: '2', quantity: '1', netPrice: '10', vat: { category: 'S' } },
            ],
            prepaidAmount: '0.001',
          }),
        ),
      )
      .when(approve())
      .thenError('InvalidInvoiceContent');
    expect(error.issues.map((issue) => issue.path)).toEqual(['lines[1].vat.rate', 'prepaidAmount']);
  });

  it('refuses a negative payable amount: that is a credit note', () => {
    const error = spec
      .given(history(create({ lines: [{ id: '1', quantity: '-1', netPrice: '10', vat: S25 }] })))
      .when(approve())
      .thenError('NegativePayableAmount');
    expect(error.payableAmount).toBe('-12.50');
  });

  it('refuses a number of another series, another year or another counter', () => {
    spec.given(STATES.draft).when(approve('CN-2026-000001', 1)).thenError('InvoiceNumberMismatch');
    spec.given(STATES.draft).when(approve('INV-2027-000001', 1)).thenError('InvoiceNumberMismatch');
    spec.given(STATES.draft).when(approve('INV-2026-000002', 1)).thenError('InvoiceNumberMismatch');
  });

  it('refuses a second approval under another number', () => {
    const error = spec
      .given(STATES.approved)
      .when(approve('INV-2026-000002', 2))
      .thenError('InvoiceAlreadyApproved');
    expect(error.number).toBe('INV-2026-000001');
  });
});

describe('sending and delivery', () => {
  it('records another channel without changing the status, and each delivery once', () => {
    const given = history(create(), approve(), send('email'), pay('pay-1', '50.00'));
    spec
      .given(given)
      .when(send('peppol'))
      .then([event('InvoiceSent', { channel: 'peppol', sentAt: NOW })]);
    spec.given(given).when(deliver('peppol')).thenError('InvoiceNotSentOnChannel');
    spec
      .given(given)
      .when(deliver('email'))
      .then([event('InvoiceDelivered', { channel: 'email', deliveredAt: LATER })]);
    const delivered = [...given, event('InvoiceDelivered', { channel: 'email', deliveredAt: LATER })];
    spec.given(delivered).when(deliver('email')).thenNothing();
  });
});

describe('payments', () => {
  it('records a partial payment, then settles with the rest', () => {
    const partial = spec.given(STATES.sent).when(pay('pay-1', '50.00', { reference: 'Bank 123' }));
    partial.then([
      event('PaymentRecorded', {
        paymentId: 'pay-1',
        amount: '50.00',
        currency: 'EUR',
        paidAt: LATER,
        recordedAt: NOW,
        reference: 'Bank 123',
      }),
    ]);
    expect(amountDue(issuedAfter([...STATES.sent, ...partial.thenEvents()]))).toBe(7500n);

    spec
      .given(STATES.partially_paid)
      .when(pay('pay-2', '75'))
      .then([
        event('PaymentRecorded', {
          paymentId: 'pay-2',
          amount: '75.00',
          currency: 'EUR',
          paidAt: LATER,
          recordedAt: NOW,
        }),
        event('InvoicePaid', {
          paidAmount: '125.00',
          creditedAmount: '0.00',
          currency: 'EUR',
          settledAt: LATER,
        }),
      ]);
  });

  it('refuses an overpayment, saying what is due', () => {
    const error = spec.given(STATES.partially_paid).when(pay('pay-2', '75.01')).thenError('Overpayment');
    expect(error).toMatchObject({ amount: '75.01', amountDue: '75.00', currency: 'EUR' });
  });

  it('treats a repeated payment id as nothing new, even once paid', () => {
    spec.given(STATES.partially_paid).when(pay('pay-1', '50.00')).thenNothing();
    spec.given(STATES.partially_paid).when(pay('pay-1', '50')).thenNothing();
    spec.given(STATES.paid).when(pay('pay-1', '125.00')).thenNothing();
  });

  it('refuses a payment id reused for another amount or currency', () => {
    spec.given(STATES.partially_paid).when(pay('pay-1', '20.00')).thenError('PaymentIdReused');
    spec
      .given(STATES.partially_paid)
      .when(pay('pay-1', '50.00', { currency: 'USD' }))
      .thenError('PaymentIdReused');
  });

  it('refuses another currency, a zero or negative amount, and fractions of a cent', () => {
    const mismatch = spec
      .given(STATES.sent)
      .when(pay('pay-1', '10.00', { currency: 'USD' }))
      .thenError('CurrencyMismatch');
    expect(mismatch).toEqual({ _tag: 'CurrencyMismatch', expected: 'EUR', actual: 'USD' });
    spec.given(STATES.sent).when(pay('pay-1', '0')).thenError('NonPositiveAmount');
    spec.given(STATES.sent).when(pay('pay-1', '-5.00')).thenError('NonPositiveAmount');
    spec.given(STATES.sent).when(pay('pay-1', '10.001')).thenError('AmountPrecisionExceeded');
  });

  it('refuses to void once something was paid', () => {
    const error = spec.given(STATES.partially_paid).when(voidIt()).thenError('InvoiceHasPaymentsOrCredits');
    expect(error).toMatchObject({ paidAmount: '50.00', creditedAmount: '0.00' });
  });

  it('refuses to record a payment for another tenant: the invoice does not exist there', () => {
    spec
      .given(STATES.sent)
      .when(pay('pay-1', '10.00', { tenantId: 'tenant-2' }))
      .thenError('InvoiceNotFound');
  });
});

describe('JPY and KWD', () => {
  it('pays a JPY invoice in whole yen', () => {
    const given = history(
      create({
        currency: 'JPY',
        lines: [{ id: '1', quantity: '3', netPrice: '1000', vat: { category: 'S', rate: '10' } }],
      }),
      approve(),
    );
    expect(issuedAfter(given).totals.payableAmount).toBe('3300');
    spec
      .given(given)
      .when(pay('pay-1', '3300.5', { currency: 'JPY' }))
      .thenError('AmountPrecisionExceeded');
    const events = spec
      .given(given)
      .when(pay('pay-1', '3300', { currency: 'JPY' }))
      .thenEvents();
    expect(events.map((e) => e.type)).toEqual(['PaymentRecorded', 'InvoicePaid']);
    expect(events[0]?.type === 'PaymentRecorded' && events[0].data.amount).toBe('3300');
  });

  it('pays a KWD invoice in fils, three decimals', () => {
    // 12.345 × 5 % = 0.61725 → 0.617; payable 12.962
    const given = history(
      create({
        currency: 'KWD',
        lines: [{ id: '1', quantity: '1', netPrice: '12.345', vat: { category: 'S', rate: '5' } }],
      }),
      approve(),
    );
    expect(issuedAfter(given).totals).toMatchObject({ taxAmount: '0.617', payableAmount: '12.962' });
    spec
      .given(given)
      .when(pay('pay-1', '12.963', { currency: 'KWD' }))
      .thenError('Overpayment');
    const partial = spec
      .given(given)
      .when(pay('pay-1', '0.962', { currency: 'KWD' }))
      .thenEvents();
    expect(amountDue(issuedAfter([...given, ...partial]))).toBe(12000n);
  });
});

describe('write-off and credit notes', () => {
  it('writes off what is still due', () => {
    spec
      .given(STATES.partially_paid)
      .when(writeOff())
      .then([
        event('InvoiceWrittenOff', {
          amount: '75.00',
          currency: 'EUR',
          reason: 'Customer insolvent',
          writtenOffAt: NOW,
        }),
      ]);
  });

  it('refuses to write off an invoice with nothing due', () => {
    const given = history(
      create({ lines: [{ id: '1', quantity: '1', netPrice: '0', vat: S25 }] }),
      approve(),
    );
    spec.given(given).when(writeOff()).thenError('NothingDue');
  });

  it('reduces the balance by a credit note, then settles with a payment of the rest', () => {
    const credited = [...STATES.sent, ...spec.given(STATES.sent).when(credit('cn-1', '25.00')).thenEvents()];
    const invoice = issuedAfter(credited);
    expect(amountDue(invoice)).toBe(10000n);
    expect(invoice.status).toBe('sent');
    spec.given(credited).when(pay('pay-1', '100.01')).thenError('Overpayment');
    const settled = spec.given(credited).when(pay('pay-1', '100.00')).thenEvents();
    expect(settled[1]).toEqual(
      event('InvoicePaid', {
        paidAmount: '100.00',
        creditedAmount: '25.00',
        currency: 'EUR',
        settledAt: LATER,
      }),
    );
  });

  it('settles an invoice credited down to zero: status paid', () => {
    const when = spec.given(STATES.partially_paid).when(credit('cn-1', '75.00'));
    when.then([
      event('CreditNoteApplied', { creditNoteId: 'cn-1', amount: '75.00', currency: 'EUR', appliedAt: NOW }),
      event('InvoicePaid', { paidAmount: '50.00', creditedAmount: '75.00', currency: 'EUR', settledAt: NOW }),
    ]);
    expect(invoiceStatus(when.thenState())).toBe('paid');
  });

  it('refuses a credit above the amount due, a repeated credit note with another amount, and voiding once credited', () => {
    spec.given(STATES.partially_paid).when(credit('cn-1', '75.01')).thenError('CreditExceedsAmountDue');
    const credited = history(create(), approve(), credit('cn-1', '25.00'));
    spec.given(credited).when(credit('cn-1', '25')).thenNothing();
    spec.given(credited).when(credit('cn-1', '20.00')).thenError('CreditNoteIdReused');
    spec.given(credited).when(voidIt()).thenError('InvoiceHasPaymentsOrCredits');
    spec.given(credited).when(credit('cn-2', '0')).thenError('NonPositiveAmount');
  });
});

describe('stored format', () => {
  it('round-trips every event through JSON and the codec', () => {
    const events = history(
      create({
        notes: 'n',
        reference: 'PO-7',
        prepaidAmount: '5.00',
        customer: {
          ...customer,
          email: 'ap@fjord.no',
          address: { line1: 'Kaia 1', city: 'Bergen', postalCode: '5003', country: 'NO' },
        },
      }),
      revise({ issueDate: '2026-03-02' }),
      approve(),
      send(),
      deliver(),
      credit('cn-1', '20.00'),
      pay('pay-1', '50.00'),
      pay('pay-2', '50.00'),
    );
    expect(events.map((e) => e.type)).toEqual([
      'InvoiceDraftCreated',
      'InvoiceDraftRevised',
      'InvoiceApproved',
      'InvoiceSent',
      'InvoiceDelivered',
      'CreditNoteApplied',
      'PaymentRecorded',
      'PaymentRecorded',
      'InvoicePaid',
    ]);
    for (const e of events) {
      const stored: unknown = JSON.parse(JSON.stringify(InvoiceEventCodec.encode(e)));
      expect(decode(InvoiceEventCodec, stored)).toEqual(e);
    }
    const voided = history(create(), approve(), voidIt());
    const writtenOff = history(create(), approve(), writeOff());
    for (const e of [...voided, ...writtenOff]) {
      expect(decode(InvoiceEventCodec, JSON.parse(JSON.stringify(InvoiceEventCodec.encode(e))))).toEqual(e);
    }
  });
});
