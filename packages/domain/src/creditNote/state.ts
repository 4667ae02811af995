import type { CurrencyCode } from '../money/currency.js';
import type { InvoiceNumber } from '../numbering/format.js';
import { bug } from '../shared/bug.js';
import { frozenMinorUnits } from '../shared/frozenAmounts.js';
import type { CreditNoteId, InvoiceId, TenantId } from '../shared/ids.js';
import type { CreditNoteEvent } from './events.js';

export interface NoCreditNote {
  readonly _tag: 'NoCreditNote';
}

export interface IssuedCreditNote {
  readonly _tag: 'IssuedCreditNote';
  readonly creditNoteId: CreditNoteId;
  readonly tenantId: TenantId;
  readonly number: InvoiceNumber;
  readonly invoiceId: InvoiceId;
  readonly currency: CurrencyCode;
  /** The payable amount, in minor units: what it takes off the invoice. */
  readonly payableAmount: bigint;
}

export type CreditNoteState = NoCreditNote | IssuedCreditNote;

export const initialCreditNoteState: CreditNoteState = { _tag: 'NoCreditNote' };

export const evolveCreditNote = (state: CreditNoteState, event: CreditNoteEvent): CreditNoteState => {
  // Decide refuses a second issue, so a stream with two was not written by this decider.
  if (state._tag !== 'NoCreditNote') return bug(`${event.type} on ${state._tag}`);
  const { creditNoteId, tenantId, number, invoiceId, currency, totals } = event.data;
  return {
    _tag: 'IssuedCreditNote',
    creditNoteId,
    tenantId,
    number,
    invoiceId,
    currency,
    payableAmount: frozenMinorUnits(totals.payableAmount, currency),
  };
};
