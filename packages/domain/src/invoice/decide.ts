import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

import type { InvoiceCalculation } from '../calculation/calculate.js';
import { calculateInvoice } from '../calculation/calculate.js';
import { currencyMismatch, toMinorUnits } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import type { Decimal } from '../money/decimal.js';
import { DEFAULT_ROUNDING_MODE } from '../money/rounding.js';
import type { Series, Year } from '../numbering/format.js';
import { DEFAULT_INVOICE_SERIES, parseInvoiceNumber, toYear } from '../numbering/format.js';
import { creditExceedsAmountDue, nonPositiveAmount } from '../shared/amountErrors.js';
import { yearOfCivilDate } from '../shared/civilDate.js';
import type { DecimalString } from '../shared/frozenAmounts.js';
import { freezeAmount, freezeDecimal, freezeTotals, freezeVatBreakdown } from '../shared/frozenAmounts.js';
import type { InvoiceId, TenantId } from '../shared/ids.js';
import { civilDateOf } from '../shared/timestamp.js';
import type {
  ApplyCreditNote,
  ApproveInvoice,
  CreateDraftInvoice,
  InvoiceCommand,
  MarkInvoiceDelivered,
  RecordPayment,
  ReviseDraftInvoice,
  SendInvoice,
  VoidInvoice,
  WriteOffInvoice,
} from './commands.js';
import type { DueTerms, InvalidDueDate, InvoiceContent } from './content.js';
import { DEFAULT_PAYMENT_TERMS_DAYS, resolveDueDate, toCalculationInput } from './content.js';
import type { InvoiceError } from './errors.js';
import {
  creditNoteIdReused,
  invalidInvoiceContent,
  invalidTransition,
  invoiceAlreadyApproved,
  invoiceAlreadyExists,
  invoiceHasNoLines,
  invoiceHasPaymentsOrCredits,
  invoiceNotDraft,
  invoiceNotFound,
  invoiceNotSentOnChannel,
  invoiceNumberMismatch,
  negativePayableAmount,
  nothingDue,
  overpayment,
  paymentIdReused,
} from './errors.js';
import type { InvoiceEvent, InvoicePaid } from './events.js';
import type { DraftInvoice, InvoiceState, IssuedInvoice, IssuedStatus } from './state.js';
import { amountDue } from './state.js';

type Decision = E.Either<InvoiceError, ReadonlyArray<InvoiceEvent>>;

const nothingToDo: Decision = E.right([]);

/** The statuses in which money is still expected: payments, credits and write-offs apply here only. */
const OPEN: ReadonlyArray<IssuedStatus> = ['approved', 'sent', 'partially_paid'];

const isOpen = (invoice: IssuedInvoice): boolean => OPEN.includes(invoice.status);

// ——— drafts ———

const dueTermsOf = (
  issueDate: InvoiceContent['issueDate'],
  given: Pick<CreateDraftInvoice['data'], 'dueDate' | 'paymentTermsDays'>,
  fallback: DueTerms,
): E.Either<InvalidDueDate, DueTerms> => {
  const { dueDate, paymentTermsDays } = given;
  if (dueDate !== undefined && paymentTermsDays !== undefined) {
    return E.left({
      _tag: 'InvalidDueDate',
      reason: 'both_date_and_terms',
      issueDate,
      dueDate,
      paymentTermsDays,
    });
  }
  if (dueDate !== undefined) return E.right({ _tag: 'DueDate', dueDate });
  if (paymentTermsDays !== undefined) return E.right({ _tag: 'PaymentTerms', paymentTermsDays });
  return E.right(fallback);
};

const createDraft = (command: CreateDraftInvoice, state: InvoiceState): Decision => {
  const { data } = command;
  if (state._tag !== 'NoInvoice') return E.left(invoiceAlreadyExists(data.invoiceId));
  const issueDate = data.issueDate ?? civilDateOf(data.now);
  return pipe(
    dueTermsOf(issueDate, data, { _tag: 'PaymentTerms', paymentTermsDays: DEFAULT_PAYMENT_TERMS_DAYS }),
    E.flatMap((terms) => resolveDueDate(issueDate, terms)),
    E.map((due): ReadonlyArray<InvoiceEvent> => {
      const content: InvoiceContent = {
        series: data.series ?? DEFAULT_INVOICE_SERIES,
        currency: data.currency,
        customer: data.customer,
        issueDate,
        ...due,
        pricesIncludeTax: data.pricesIncludeTax ?? false,
        lines: data.lines,
        allowances: data.allowances ?? [],
        charges: data.charges ?? [],
        rounding: data.rounding ?? DEFAULT_ROUNDING_MODE,
        ...(data.documentType === undefined ? {} : { documentType: data.documentType }),
        ...(data.prepaidAmount === undefined ? {} : { prepaidAmount: data.prepaidAmount }),
        ...(data.payableRoundingAmount === undefined
          ? {}
          : { payableRoundingAmount: data.payableRoundingAmount }),
        ...(data.notes === undefined ? {} : { notes: data.notes }),
        ...(data.reference === undefined ? {} : { reference: data.reference }),
      };
      return [
        {
          type: 'InvoiceDraftCreated',
          data: { invoiceId: data.invoiceId, tenantId: data.tenantId, content, createdAt: data.now },
        },
      ];
    }),
  );
};

/** `null` clears, `undefined` keeps. */
const revised = <A>(next: A | null | undefined, previous: A | undefined): A | undefined =>
  next === null ? undefined : (next ?? previous);

const revise = (command: ReviseDraftInvoice, draft: DraftInvoice): Decision => {
  const { data } = command;
  const previous = draft.content;
  const issueDate = data.issueDate ?? previous.issueDate;
  // Term-based due dates follow the issue date; a fixed due date stays where it was put.
  const fallback: DueTerms =
    previous.paymentTermsDays === undefined
      ? { _tag: 'DueDate', dueDate: previous.dueDate }
      : { _tag: 'PaymentTerms', paymentTermsDays: previous.paymentTermsDays };
  return pipe(
    dueTermsOf(issueDate, data, fallback),
    E.flatMap((terms) => resolveDueDate(issueDate, terms)),
    E.map((due): ReadonlyArray<InvoiceEvent> => {
      const prepaidAmount = revised(data.prepaidAmount, previous.prepaidAmount);
      const payableRoundingAmount = revised(data.payableRoundingAmount, previous.payableRoundingAmount);
      const notes = revised(data.notes, previous.notes);
      const reference = revised(data.reference, previous.reference);
      const content: InvoiceContent = {
        series: data.series ?? previous.series,
        currency: data.currency ?? previous.currency,
        customer: data.customer ?? previous.customer,
        issueDate,
        ...due,
        pricesIncludeTax: data.pricesIncludeTax ?? previous.pricesIncludeTax,
        lines: data.lines ?? previous.lines,
        allowances: data.allowances ?? previous.allowances,
        charges: data.charges ?? previous.charges,
        rounding: data.rounding ?? previous.rounding,
        ...(previous.documentType === undefined ? {} : { documentType: previous.documentType }),
        ...(prepaidAmount === undefined ? {} : { prepaidAmount }),
        ...(payableRoundingAmount === undefined ? {} : { payableRoundingAmount }),
        ...(notes === undefined ? {} : { notes }),
        ...(reference === undefined ? {} : { reference }),
      };
      return [
        { type: 'InvoiceDraftRevised', data: { invoiceId: draft.invoiceId, content, revisedAt: data.now } },
      ];
    }),
  );
};

// ——— approval ———

/** What approval needs before it can take a number: the series and year to number in, and the totals. */
export interface ApprovalPlan {
  readonly series: Series;
  readonly year: Year;
  readonly calculation: InvoiceCalculation;
}

/**
 * Checks that a draft can be approved and says which series and year to reserve its number in (the series of
 * the draft, the year of its issue date). A command handler calls it before reserving a number, so a draft
 * that cannot be approved does not consume one; `ApproveInvoice` applies the same checks again.
 */
export const planApproval = (
  state: InvoiceState,
  invoiceId: InvoiceId,
): E.Either<InvoiceError, ApprovalPlan> => {
  switch (state._tag) {
    case 'NoInvoice':
      return E.left(invoiceNotFound(invoiceId));
    case 'IssuedInvoice':
      return E.left(invoiceAlreadyApproved(state.invoiceId, state.number));
    case 'DraftInvoice':
      return planDraftApproval(state);
  }
};

const planDraftApproval = (draft: DraftInvoice): E.Either<InvoiceError, ApprovalPlan> => {
  const { content, invoiceId } = draft;
  if (content.lines.length === 0) return E.left(invoiceHasNoLines(invoiceId));
  return pipe(
    calculateInvoice(toCalculationInput(content), { rounding: content.rounding }),
    E.mapLeft((invalid): InvoiceError => invalidInvoiceContent(invoiceId, invalid.issues)),
    E.flatMap((calculation) =>
      calculation.totals.payableAmount < 0n
        ? E.left(
            negativePayableAmount(
              invoiceId,
              freezeAmount(calculation.totals.payableAmount, content.currency),
              content.currency,
            ),
          )
        : E.right({ series: content.series, year: toYear(yearOfCivilDate(content.issueDate)), calculation }),
    ),
  );
};

const approve = (command: ApproveInvoice, state: DraftInvoice | IssuedInvoice): Decision => {
  const { number, counter, now } = command.data;
  if (state._tag === 'IssuedInvoice') {
    // The same approval again (a retry) changes nothing; another number means two approvals raced.
    return state.number === number
      ? nothingToDo
      : E.left(invoiceAlreadyApproved(state.invoiceId, state.number));
  }
  return pipe(
    planDraftApproval(state),
    E.flatMap(({ series, year, calculation }): Decision => {
      const parts = parseInvoiceNumber(number);
      const matches =
        parts._tag === 'Some' &&
        parts.value.series === series &&
        parts.value.year === year &&
        parts.value.counter === counter;
      if (!matches) return E.left(invoiceNumberMismatch(state.invoiceId, number, counter, series, year));
      const { content } = state;
      return E.right([
        {
          type: 'InvoiceApproved',
          data: {
            invoiceId: state.invoiceId,
            number,
            series,
            year,
            counter,
            issueDate: content.issueDate,
            dueDate: content.dueDate,
            currency: content.currency,
            totals: freezeTotals(calculation.totals, content.currency),
            vatBreakdown: freezeVatBreakdown(calculation.vatBreakdown, content.currency),
            approvedAt: now,
          },
        },
      ]);
    }),
  );
};

// ——— delivery ———

const send = (command: SendInvoice, invoice: IssuedInvoice): Decision => {
  const { channel, now } = command.data;
  if (invoice.status === 'void' || invoice.status === 'uncollectible') {
    return E.left(invalidTransition(invoice.invoiceId, invoice.status, command.type));
  }
  if (invoice.channels.includes(channel)) return nothingToDo;
  return E.right([{ type: 'InvoiceSent', data: { invoiceId: invoice.invoiceId, channel, sentAt: now } }]);
};

/**
 * Delivery confirmations are facts about the outside world that may arrive late (a webhook after a void):
 * they are recorded in any issued status, but only for a channel the invoice went out on.
 */
const markDelivered = (command: MarkInvoiceDelivered, invoice: IssuedInvoice): Decision => {
  const { channel, deliveredAt } = command.data;
  if (!invoice.channels.includes(channel)) return E.left(invoiceNotSentOnChannel(invoice.invoiceId, channel));
  if (invoice.deliveredChannels.includes(channel)) return nothingToDo;
  return E.right([
    { type: 'InvoiceDelivered', data: { invoiceId: invoice.invoiceId, channel, deliveredAt } },
  ]);
};

// ——— money ———

/** An amount from a command as minor units of the invoice currency, strictly positive. */
const positiveMinorUnits = (amount: Decimal, currency: CurrencyCode): E.Either<InvoiceError, bigint> =>
  pipe(
    toMinorUnits(amount, currency),
    E.flatMap((units): E.Either<InvoiceError, bigint> =>
      units > 0n ? E.right(units) : E.left(nonPositiveAmount(freezeDecimal(amount), currency)),
    ),
  );

const sameMinorUnits = (amount: Decimal, currency: CurrencyCode, expected: bigint): boolean => {
  const units = toMinorUnits(amount, currency);
  return E.isRight(units) && units.right === expected;
};

const settled = (
  invoice: IssuedInvoice,
  paid: bigint,
  credited: bigint,
  settledAt: InvoicePaid['data']['settledAt'],
): InvoicePaid => ({
  type: 'InvoicePaid',
  data: {
    invoiceId: invoice.invoiceId,
    paidAmount: freezeAmount(paid, invoice.currency),
    creditedAmount: freezeAmount(credited, invoice.currency),
    currency: invoice.currency,
    settledAt,
  },
});

const freeze = (invoice: IssuedInvoice, units: bigint): DecimalString =>
  freezeAmount(units, invoice.currency);

const recordPayment = (command: RecordPayment, invoice: IssuedInvoice): Decision => {
  const { paymentId, amount, currency, paidAt, now, reference } = command.data;
  const seen = invoice.payments.find((payment) => payment.paymentId === paymentId);
  if (seen !== undefined) {
    // Providers redeliver webhooks: the same payment again is nothing new, whatever the status by now.
    return currency === invoice.currency && sameMinorUnits(amount, currency, seen.amount)
      ? nothingToDo
      : E.left(paymentIdReused(invoice.invoiceId, paymentId));
  }
  if (!isOpen(invoice)) return E.left(invalidTransition(invoice.invoiceId, invoice.status, command.type));
  if (currency !== invoice.currency) return E.left(currencyMismatch(invoice.currency, currency));
  return pipe(
    positiveMinorUnits(amount, currency),
    E.flatMap((units): Decision => {
      const due = amountDue(invoice);
      if (units > due) {
        return E.left(overpayment(invoice.invoiceId, freeze(invoice, units), freeze(invoice, due), currency));
      }
      const recorded: InvoiceEvent = {
        type: 'PaymentRecorded',
        data: {
          invoiceId: invoice.invoiceId,
          paymentId,
          amount: freeze(invoice, units),
          currency,
          paidAt,
          recordedAt: now,
          ...(reference === undefined ? {} : { reference }),
        },
      };
      return E.right(
        units === due
          ? [recorded, settled(invoice, invoice.paidAmount + units, invoice.creditedAmount, paidAt)]
          : [recorded],
      );
    }),
  );
};

const applyCreditNote = (command: ApplyCreditNote, invoice: IssuedInvoice): Decision => {
  const { creditNoteId, amount, now } = command.data;
  const seen = invoice.creditNotes.find((credit) => credit.creditNoteId === creditNoteId);
  if (seen !== undefined) {
    return sameMinorUnits(amount, invoice.currency, seen.amount)
      ? nothingToDo
      : E.left(creditNoteIdReused(invoice.invoiceId, creditNoteId));
  }
  if (!isOpen(invoice)) return E.left(invalidTransition(invoice.invoiceId, invoice.status, command.type));
  return pipe(
    positiveMinorUnits(amount, invoice.currency),
    E.flatMap((units): Decision => {
      const due = amountDue(invoice);
      if (units > due) {
        return E.left(creditExceedsAmountDue(freeze(invoice, units), freeze(invoice, due), invoice.currency));
      }
      const applied: InvoiceEvent = {
        type: 'CreditNoteApplied',
        data: {
          invoiceId: invoice.invoiceId,
          creditNoteId,
          amount: freeze(invoice, units),
          currency: invoice.currency,
          appliedAt: now,
        },
      };
      // Credited down to zero is settled like a payment in full: status `paid`.
      return E.right(
        units === due
          ? [applied, settled(invoice, invoice.paidAmount, invoice.creditedAmount + units, now)]
          : [applied],
      );
    }),
  );
};

// ——— endings ———

const voidInvoice = (command: VoidInvoice, invoice: IssuedInvoice): Decision => {
  const { reason, now } = command.data;
  if (invoice.status === 'void') return nothingToDo;
  if (invoice.status === 'uncollectible') {
    return E.left(invalidTransition(invoice.invoiceId, invoice.status, command.type));
  }
  if (invoice.paidAmount > 0n || invoice.creditedAmount > 0n) {
    return E.left(
      invoiceHasPaymentsOrCredits(
        invoice.invoiceId,
        freeze(invoice, invoice.paidAmount),
        freeze(invoice, invoice.creditedAmount),
        invoice.currency,
      ),
    );
  }
  return E.right([{ type: 'InvoiceVoided', data: { invoiceId: invoice.invoiceId, reason, voidedAt: now } }]);
};

const writeOff = (command: WriteOffInvoice, invoice: IssuedInvoice): Decision => {
  const { reason, now } = command.data;
  if (invoice.status === 'uncollectible') return nothingToDo;
  if (!isOpen(invoice)) return E.left(invalidTransition(invoice.invoiceId, invoice.status, command.type));
  const due = amountDue(invoice);
  if (due <= 0n) return E.left(nothingDue(invoice.invoiceId));
  return E.right([
    {
      type: 'InvoiceWrittenOff',
      data: {
        invoiceId: invoice.invoiceId,
        amount: freeze(invoice, due),
        currency: invoice.currency,
        reason,
        writtenOffAt: now,
      },
    },
  ]);
};

// ——— dispatch ———

/** Another tenant's invoice does not exist for this tenant: same error, nothing revealed. */
const existing = (
  state: InvoiceState,
  invoiceId: InvoiceId,
  tenantId: TenantId,
): E.Either<InvoiceError, DraftInvoice | IssuedInvoice> =>
  state._tag === 'NoInvoice' || state.tenantId !== tenantId
    ? E.left(invoiceNotFound(invoiceId))
    : E.right(state);

const issued = (
  command: Exclude<InvoiceCommand, CreateDraftInvoice | ReviseDraftInvoice | ApproveInvoice>,
  invoice: DraftInvoice | IssuedInvoice,
  decide: (invoice: IssuedInvoice) => Decision,
): Decision =>
  invoice._tag === 'IssuedInvoice'
    ? decide(invoice)
    : E.left(invalidTransition(invoice.invoiceId, 'draft', command.type));

/**
 * Decides an invoice command on the invoice's current state.
 *
 * Lifecycle: draft → approved → sent → partially_paid → paid; void (approved or sent, nothing paid or
 * credited); uncollectible (write-off of what is due, from approved, sent or partially_paid). Invariants:
 * content changes only in draft; approval needs lines, calculable content, a payable amount ≥ 0 and the number
 * of the draft's series and issue year, and freezes totals and VAT breakdown; payments and credits are
 * positive, in the invoice currency, never more than the amount due (payable − payments − credits); reaching
 * zero due emits `InvoicePaid`. Repeats are no-ops (same payment id, credit note id, channel, approval number,
 * void of a void invoice, write-off of an uncollectible one); everything else illegal is a tagged error.
 */
export const decideInvoice = (command: InvoiceCommand, state: InvoiceState): Decision => {
  if (command.type === 'CreateDraftInvoice') return createDraft(command, state);
  return pipe(
    existing(state, command.data.invoiceId, command.data.tenantId),
    E.flatMap((invoice): Decision => {
      switch (command.type) {
        case 'ReviseDraftInvoice':
          return invoice._tag === 'DraftInvoice'
            ? revise(command, invoice)
            : E.left(invoiceNotDraft(invoice.invoiceId, invoice.status));
        case 'ApproveInvoice':
          return approve(command, invoice);
        case 'SendInvoice':
          return issued(command, invoice, (i) => send(command, i));
        case 'MarkInvoiceDelivered':
          return issued(command, invoice, (i) => markDelivered(command, i));
        case 'RecordPayment':
          return issued(command, invoice, (i) => recordPayment(command, i));
        case 'ApplyCreditNote':
          return issued(command, invoice, (i) => applyCreditNote(command, i));
        case 'VoidInvoice':
          return issued(command, invoice, (i) => voidInvoice(command, i));
        case 'WriteOffInvoice':
          return issued(command, invoice, (i) => writeOff(command, i));
      }
    }),
  );
};
