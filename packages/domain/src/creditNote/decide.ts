import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

import { allocateProportionally } from '../calculation/allocation.js';
import { calculateInvoice } from '../calculation/calculate.js';
import type { LineInput, VatInput } from '../calculation/input.js';
import type { InvoiceStatus } from '../invoice/status.js';
import { currencyMismatch, toMinorUnits } from '../money/amount.js';
import type { CurrencyCode } from '../money/currency.js';
import { ONE } from '../money/decimal.js';
import { DEFAULT_ROUNDING_MODE } from '../money/rounding.js';
import { creditExceedsAmountDue, nonPositiveAmount } from '../shared/amountErrors.js';
import { bug } from '../shared/bug.js';
import type { FrozenVatBreakdownEntry } from '../shared/frozenAmounts.js';
import {
  freezeAmount,
  freezeTotals,
  freezeVatBreakdown,
  parseMinorUnits,
  thawDecimal,
} from '../shared/frozenAmounts.js';
import { civilDateOf } from '../shared/timestamp.js';
import type { CreditNoteAmount, CreditNoteCommand, CreditNoteLines } from './commands.js';
import type { CreditNoteError } from './errors.js';
import {
  creditNoteAlreadyIssued,
  creditNoteHasNoLines,
  invalidCreditNoteContent,
  invoiceNotCreditable,
  noVatBreakdownToAllocate,
} from './errors.js';
import type { CreditNoteContent, CreditNoteEvent } from './events.js';
import type { CreditNoteState } from './state.js';

type Decision = E.Either<CreditNoteError, ReadonlyArray<CreditNoteEvent>>;

/** The invoice statuses with money still expected, as for payments: the rest are drafts or closed. */
const CREDITABLE: ReadonlyArray<InvoiceStatus> = ['approved', 'sent', 'partially_paid'];

const checkWithinDue = (
  units: bigint,
  amountDue: bigint,
  currency: CurrencyCode,
): E.Either<CreditNoteError, bigint> => {
  if (units <= 0n) return E.left(nonPositiveAmount(freezeAmount(units, currency), currency));
  if (units > amountDue) {
    return E.left(
      creditExceedsAmountDue(freezeAmount(units, currency), freezeAmount(amountDue, currency), currency),
    );
  }
  return E.right(units);
};

const vatOf = (entry: FrozenVatBreakdownEntry): VatInput => ({
  category: entry.category,
  ...(entry.rate === undefined ? {} : { rate: thawDecimal(entry.rate) }),
  ...(entry.exemptionReason === undefined ? {} : { exemptionReason: entry.exemptionReason }),
  ...(entry.exemptionReasonCode === undefined ? {} : { exemptionReasonCode: entry.exemptionReasonCode }),
});

/**
 * One tax-inclusive line per VAT rate of the invoice, carrying that rate's share of the gross amount (shares in
 * proportion to each rate's gross, largest remainder, so they add up to the amount exactly). Each line is alone
 * in its VAT group, and the calculation extracts a group's VAT so that net + VAT = the inclusive amount: the
 * credit note's payable amount is the requested amount to the minor unit.
 */
const linesForAmount = (
  units: bigint,
  command: CreditNoteCommand,
  rounding: CreditNoteContent['rounding'],
): E.Either<CreditNoteError, CreditNoteContent> => {
  const { invoice, currency, reason } = command.data;
  const grossOf = (entry: FrozenVatBreakdownEntry): E.Either<CreditNoteError, bigint> =>
    pipe(
      parseMinorUnits(entry.taxableAmount, currency),
      E.flatMap((taxable) =>
        E.map((tax: bigint) => taxable + tax)(parseMinorUnits(entry.taxAmount, currency)),
      ),
    );
  return pipe(
    E.traverseArray(grossOf)(invoice.vatBreakdown),
    E.flatMap((grosses): E.Either<CreditNoteError, CreditNoteContent> => {
      // A rate whose allowances outweigh its lines has nothing to reverse: it takes no share.
      const groups = invoice.vatBreakdown.flatMap((entry, i) => {
        const gross = grosses[i] ?? 0n;
        return gross > 0n ? [{ entry, gross }] : [];
      });
      if (groups.length === 0) return E.left(noVatBreakdownToAllocate(invoice.invoiceId));
      const shares = allocateProportionally(
        units,
        groups.map((group) => group.gross),
      );
      const lines = groups.flatMap(({ entry }, i): LineInput[] => {
        const share = shares[i] ?? 0n;
        if (share === 0n) return [];
        return [
          {
            id: String(i + 1),
            description: reason,
            quantity: ONE,
            netPrice: thawDecimal(freezeAmount(share, currency)),
            vat: vatOf(entry),
            pricesIncludeTax: true,
          },
        ];
      });
      return E.right({ lines, allowances: [], charges: [], pricesIncludeTax: true, rounding });
    }),
  );
};

const itemised = (
  content: CreditNoteLines,
  command: CreditNoteCommand,
  rounding: CreditNoteContent['rounding'],
): E.Either<CreditNoteError, CreditNoteContent> =>
  content.lines.length === 0
    ? E.left(creditNoteHasNoLines(command.data.creditNoteId))
    : E.right({
        lines: content.lines,
        allowances: content.allowances ?? [],
        charges: content.charges ?? [],
        pricesIncludeTax: content.pricesIncludeTax ?? false,
        rounding,
      });

const byAmount = (
  content: CreditNoteAmount,
  amountDue: bigint,
  command: CreditNoteCommand,
  rounding: CreditNoteContent['rounding'],
): E.Either<CreditNoteError, CreditNoteContent> => {
  const { currency } = command.data;
  return pipe(
    toMinorUnits(content.amount, currency),
    E.flatMap((units): E.Either<CreditNoteError, bigint> => checkWithinDue(units, amountDue, currency)),
    E.flatMap((units) => linesForAmount(units, command, rounding)),
  );
};

/**
 * Decides `IssueCreditNote` on a credit note stream.
 *
 * Invariants: one credit note per stream; the invoice is approved, sent or partially paid and in the same
 * currency; the credit note calculates, and its payable amount is above zero and at most the invoice's amount
 * due. A credit by gross amount is spread over the invoice's VAT rates in proportion to their gross amounts
 * and its payable amount equals the requested amount exactly. Totals and VAT breakdown are frozen in
 * `CreditNoteIssued`.
 */
export const decideCreditNote = (command: CreditNoteCommand, state: CreditNoteState): Decision => {
  const { data } = command;
  if (state._tag === 'IssuedCreditNote')
    return E.left(creditNoteAlreadyIssued(state.creditNoteId, state.number));
  const { invoice, currency } = data;
  if (!CREDITABLE.includes(invoice.status))
    return E.left(invoiceNotCreditable(invoice.invoiceId, invoice.status));
  if (currency !== invoice.currency) return E.left(currencyMismatch(invoice.currency, currency));
  const rounding = data.rounding ?? DEFAULT_ROUNDING_MODE;
  return pipe(
    toMinorUnits(invoice.amountDue, currency),
    E.mapLeft((error): CreditNoteError => error),
    E.flatMap((amountDue) =>
      pipe(
        'amount' in data.content
          ? byAmount(data.content, amountDue, command, rounding)
          : itemised(data.content, command, rounding),
        E.flatMap((content) =>
          pipe(
            calculateInvoice(
              {
                currency,
                lines: content.lines,
                allowances: content.allowances,
                charges: content.charges,
                pricesIncludeTax: content.pricesIncludeTax,
              },
              { rounding },
            ),
            E.mapLeft((invalid): CreditNoteError =>
              invalidCreditNoteContent(data.creditNoteId, invalid.issues),
            ),
            E.flatMap((calculation) =>
              E.map(() => ({ content, calculation }))(
                checkWithinDue(calculation.totals.payableAmount, amountDue, currency),
              ),
            ),
          ),
        ),
      ),
    ),
    E.map(({ content, calculation }): ReadonlyArray<CreditNoteEvent> => {
      if ('amount' in data.content) {
        const requested = toMinorUnits(data.content.amount, currency);
        if (E.isLeft(requested) || requested.right !== calculation.totals.payableAmount) {
          return bug('a credit by amount must calculate to that amount exactly');
        }
      }
      return [
        {
          type: 'CreditNoteIssued',
          data: {
            creditNoteId: data.creditNoteId,
            tenantId: data.tenantId,
            number: data.number,
            invoiceId: invoice.invoiceId,
            invoiceNumber: invoice.number,
            currency,
            reason: data.reason,
            issueDate: civilDateOf(data.now),
            content,
            totals: freezeTotals(calculation.totals, currency),
            vatBreakdown: freezeVatBreakdown(calculation.vatBreakdown, currency),
            issuedAt: data.now,
          },
        },
      ];
    }),
  );
};
