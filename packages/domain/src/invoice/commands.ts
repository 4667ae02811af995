import * as t from 'io-ts';

import { DocumentAllowanceChargeInput, LineInput } from '../calculation/input.js';
import { CurrencyCode } from '../money/currency.js';
import { DecimalFromString } from '../money/decimal.js';
import { RoundingMode } from '../money/rounding.js';
import { Counter, InvoiceNumber, Series } from '../numbering/format.js';
import { CivilDate } from '../shared/civilDate.js';
import { CreditNoteId, InvoiceId, PaymentId, TenantId } from '../shared/ids.js';
import { NonEmptyString } from '../shared/text.js';
import { Timestamp } from '../shared/timestamp.js';
import { Customer, DocumentType, PaymentTermsDays } from './content.js';
import { DeliveryChannel } from './channel.js';

/**
 * Invoice commands, decoded at the edge. Every command names its invoice and tenant and carries `now`, the
 * time of the request as the command handler's clock saw it: deciders never read a clock.
 */
const InvoiceAddress = { invoiceId: InvoiceId, tenantId: TenantId, now: Timestamp };

/** The content fields a draft is created and revised with (see `InvoiceContent`). */
const OptionalContentFields = {
  /** Default `INV`. */
  series: Series,
  /** Default: the date of `now`. */
  issueDate: CivilDate,
  /** Either a due date or payment terms; default 30 days after the issue date. */
  dueDate: CivilDate,
  paymentTermsDays: PaymentTermsDays,
  /** Default false. */
  pricesIncludeTax: t.boolean,
  allowances: t.readonlyArray(DocumentAllowanceChargeInput),
  charges: t.readonlyArray(DocumentAllowanceChargeInput),
  /** Default half away from zero. */
  rounding: RoundingMode,
};

/** Starts an invoice as an editable draft. */
export const CreateDraftInvoice = t.strict(
  {
    type: t.literal('CreateDraftInvoice'),
    data: t.intersection([
      t.strict({
        ...InvoiceAddress,
        currency: CurrencyCode,
        customer: Customer,
        lines: t.readonlyArray(LineInput),
      }),
      t.partial({
        ...OptionalContentFields,
        documentType: DocumentType,
        prepaidAmount: DecimalFromString,
        payableRoundingAmount: DecimalFromString,
        notes: t.string,
        reference: t.string,
      }),
    ]),
  },
  'CreateDraftInvoice',
);
export type CreateDraftInvoice = t.TypeOf<typeof CreateDraftInvoice>;

/**
 * Changes any subset of a draft's content; absent fields keep their value. `null` clears an optional field.
 * A new issue date moves a term-based due date with it; a new due date replaces the terms and vice versa.
 */
export const ReviseDraftInvoice = t.strict(
  {
    type: t.literal('ReviseDraftInvoice'),
    data: t.intersection([
      t.strict(InvoiceAddress),
      t.partial({
        ...OptionalContentFields,
        currency: CurrencyCode,
        customer: Customer,
        lines: t.readonlyArray(LineInput),
        prepaidAmount: t.union([DecimalFromString, t.null]),
        payableRoundingAmount: t.union([DecimalFromString, t.null]),
        notes: t.union([t.string, t.null]),
        reference: t.union([t.string, t.null]),
      }),
    ]),
  },
  'ReviseDraftInvoice',
);
export type ReviseDraftInvoice = t.TypeOf<typeof ReviseDraftInvoice>;

/**
 * Issues the draft under `number`, which the command handler reserved in the series and year of the issue
 * date (see `approvalNumbering`). Freezes content and totals.
 */
export const ApproveInvoice = t.strict(
  {
    type: t.literal('ApproveInvoice'),
    data: t.strict({ ...InvoiceAddress, number: InvoiceNumber, counter: Counter }),
  },
  'ApproveInvoice',
);
export type ApproveInvoice = t.TypeOf<typeof ApproveInvoice>;

export const SendInvoice = t.strict(
  { type: t.literal('SendInvoice'), data: t.strict({ ...InvoiceAddress, channel: DeliveryChannel }) },
  'SendInvoice',
);
export type SendInvoice = t.TypeOf<typeof SendInvoice>;

/** A channel confirmed delivery (a provider webhook, a Peppol receipt). */
export const MarkInvoiceDelivered = t.strict(
  {
    type: t.literal('MarkInvoiceDelivered'),
    data: t.strict({ ...InvoiceAddress, channel: DeliveryChannel, deliveredAt: Timestamp }),
  },
  'MarkInvoiceDelivered',
);
export type MarkInvoiceDelivered = t.TypeOf<typeof MarkInvoiceDelivered>;

/** A payment received, in the invoice's currency, as a decimal string (`"120.50"`). */
export const RecordPayment = t.strict(
  {
    type: t.literal('RecordPayment'),
    data: t.intersection([
      t.strict({
        ...InvoiceAddress,
        paymentId: PaymentId,
        amount: DecimalFromString,
        currency: CurrencyCode,
        paidAt: Timestamp,
      }),
      t.partial({ reference: t.string }),
    ]),
  },
  'RecordPayment',
);
export type RecordPayment = t.TypeOf<typeof RecordPayment>;

/** Cancels an issued invoice that nobody paid or credited; its number stays used. */
export const VoidInvoice = t.strict(
  { type: t.literal('VoidInvoice'), data: t.strict({ ...InvoiceAddress, reason: NonEmptyString }) },
  'VoidInvoice',
);
export type VoidInvoice = t.TypeOf<typeof VoidInvoice>;

/** Writes off what is still due as uncollectible. */
export const WriteOffInvoice = t.strict(
  { type: t.literal('WriteOffInvoice'), data: t.strict({ ...InvoiceAddress, reason: NonEmptyString }) },
  'WriteOffInvoice',
);
export type WriteOffInvoice = t.TypeOf<typeof WriteOffInvoice>;

/** Reduces the amount due by an issued credit note's payable amount, in the invoice's currency. */
export const ApplyCreditNote = t.strict(
  {
    type: t.literal('ApplyCreditNote'),
    data: t.strict({ ...InvoiceAddress, creditNoteId: CreditNoteId, amount: DecimalFromString }),
  },
  'ApplyCreditNote',
);
export type ApplyCreditNote = t.TypeOf<typeof ApplyCreditNote>;

export const InvoiceCommand = t.union(
  [
    CreateDraftInvoice,
    ReviseDraftInvoice,
    ApproveInvoice,
    SendInvoice,
    MarkInvoiceDelivered,
    RecordPayment,
    VoidInvoice,
    WriteOffInvoice,
    ApplyCreditNote,
  ],
  'InvoiceCommand',
);
export type InvoiceCommand = t.TypeOf<typeof InvoiceCommand>;
export type InvoiceCommandType = InvoiceCommand['type'];
