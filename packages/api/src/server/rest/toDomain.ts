import type {
  AllowanceChargeInput,
  CreateDraftInvoice,
  CreditNoteRequest,
  Customer,
  DecimalString,
  DocumentAllowanceChargeInput,
  LineInput,
  ReviseDraftInvoice,
} from '@accrue/domain';
import { thawDecimal } from '@accrue/domain';

import type { CreateInvoiceBody, CreditNoteBody, PatchInvoiceBody } from './requests.js';
import type { TypeOfSpec } from './wire.js';
import type { AllowanceChargeBody, CustomerBody, DocumentAllowanceChargeBody, LineBody } from './requests.js';

/** Wire bodies (snake_case, decimal strings) to the domain's command data (camelCase, exact decimals). */

type WireAllowance = TypeOfSpec<typeof AllowanceChargeBody>;
type WireDocumentAllowance = TypeOfSpec<typeof DocumentAllowanceChargeBody>;
type WireLine = TypeOfSpec<typeof LineBody>;
type WireCustomer = TypeOfSpec<typeof CustomerBody>;

const amountOrPercent = (entry: {
  readonly amount?: DecimalString;
  readonly percent?: DecimalString;
}): { amount: ReturnType<typeof thawDecimal> } | { percent: ReturnType<typeof thawDecimal> } => {
  if (entry.amount !== undefined) return { amount: thawDecimal(entry.amount) };
  if (entry.percent !== undefined) return { percent: thawDecimal(entry.percent) };
  throw new Error('the request codec lets an allowance or charge through without amount or percent');
};

const allowance = (entry: WireAllowance): AllowanceChargeInput => ({
  ...amountOrPercent(entry),
  ...(entry.reason === undefined ? {} : { reason: entry.reason }),
});

const documentAllowance = (entry: WireDocumentAllowance): DocumentAllowanceChargeInput => ({
  ...amountOrPercent(entry),
  ...(entry.reason === undefined ? {} : { reason: entry.reason }),
  vat: {
    category: entry.tax_category,
    ...(entry.tax_rate === undefined ? {} : { rate: thawDecimal(entry.tax_rate) }),
  },
});

/** Lines get the ids "1", "2", … in the order given. */
export const toLines = (lines: ReadonlyArray<WireLine>): ReadonlyArray<LineInput> =>
  lines.map((line, index) => ({
    id: String(index + 1),
    quantity: thawDecimal(line.quantity),
    netPrice: thawDecimal(line.unit_price),
    vat: {
      category: line.tax_category,
      ...(line.tax_rate === undefined ? {} : { rate: thawDecimal(line.tax_rate) }),
    },
    ...(line.description === undefined ? {} : { description: line.description }),
    ...(line.base_quantity === undefined ? {} : { baseQuantity: thawDecimal(line.base_quantity) }),
    ...(line.unit_code === undefined ? {} : { unitCode: line.unit_code }),
    ...(line.allowances === undefined ? {} : { allowances: line.allowances.map(allowance) }),
    ...(line.charges === undefined ? {} : { charges: line.charges.map(allowance) }),
  }));

const toCustomer = (customer: WireCustomer): Customer => ({
  id: customer.id,
  name: customer.name,
  ...(customer.email === undefined ? {} : { email: customer.email }),
  ...(customer.vat_number === undefined ? {} : { vatNumber: customer.vat_number }),
  ...(customer.address === undefined
    ? {}
    : {
        address: {
          line1: customer.address.line1,
          city: customer.address.city,
          postalCode: customer.address.postal_code,
          country: customer.address.country,
          ...(customer.address.line2 === undefined ? {} : { line2: customer.address.line2 }),
        },
      }),
});

type Address = Pick<CreateDraftInvoice['data'], 'invoiceId' | 'tenantId' | 'now'>;

const sharedContent = (body: CreateInvoiceBody | PatchInvoiceBody) => ({
  ...(body.issue_date === undefined ? {} : { issueDate: body.issue_date }),
  ...(body.due_date === undefined ? {} : { dueDate: body.due_date }),
  ...(body.payment_terms_days === undefined ? {} : { paymentTermsDays: body.payment_terms_days }),
  ...(body.series === undefined ? {} : { series: body.series }),
  ...(body.prices_include_tax === undefined ? {} : { pricesIncludeTax: body.prices_include_tax }),
  ...(body.allowances === undefined ? {} : { allowances: body.allowances.map(documentAllowance) }),
  ...(body.charges === undefined ? {} : { charges: body.charges.map(documentAllowance) }),
});

export const toCreateDraft = (address: Address, body: CreateInvoiceBody): CreateDraftInvoice => ({
  type: 'CreateDraftInvoice',
  data: {
    ...address,
    currency: body.currency,
    customer: toCustomer(body.customer),
    lines: toLines(body.lines),
    ...sharedContent(body),
    ...(body.notes === undefined ? {} : { notes: body.notes }),
    ...(body.reference === undefined ? {} : { reference: body.reference }),
  },
});

export const toReviseDraft = (address: Address, body: PatchInvoiceBody): ReviseDraftInvoice => ({
  type: 'ReviseDraftInvoice',
  data: {
    ...address,
    ...sharedContent(body),
    ...(body.currency === undefined ? {} : { currency: body.currency }),
    ...(body.customer === undefined ? {} : { customer: toCustomer(body.customer) }),
    ...(body.lines === undefined ? {} : { lines: toLines(body.lines) }),
    ...(body.notes === undefined ? {} : { notes: body.notes }),
    ...(body.reference === undefined ? {} : { reference: body.reference }),
  },
});

export const toCreditNoteRequest = (body: CreditNoteBody): CreditNoteRequest =>
  body.amount !== undefined ? { amount: thawDecimal(body.amount) } : { lines: toLines(body.lines ?? []) };
