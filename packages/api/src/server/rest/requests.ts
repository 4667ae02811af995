import {
  CivilDate,
  CountryCode,
  CurrencyCode,
  DecimalString,
  DeliveryChannel,
  EmailAddress,
  INVOICEABLE_CURRENCY_CODES,
  NonEmptyString,
  PaymentTermsDays,
  Series,
  Timestamp,
  VatCategoryCode,
} from '@accrue/domain';

import type { Spec, TypeOfSpec } from './wire.js';
import { array, boolean, boundedString, leaf, nullable, object } from './wire.js';

/**
 * The request bodies of the REST command API: snake_case, every amount, quantity, price and rate a decimal
 * string (`"12.50"`; numbers are refused, so a float never reaches money), bounded strings and arrays, unknown
 * fields refused. The OpenAPI document is generated from these same specs.
 */

// Decoded as a checked decimal string (thawed to an exact decimal when the command is built).
const decimal = leaf(
  DecimalString,
  {
    type: 'string',
    pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$',
    maxLength: 64,
    description: 'an exact decimal as a string',
    examples: ['12.50'],
  },
  'expected a decimal number as a string, e.g. "12.50"',
);

const date = leaf(
  CivilDate,
  { type: 'string', format: 'date', examples: ['2026-03-01'] },
  'expected a calendar date YYYY-MM-DD',
);

const timestamp = leaf(
  Timestamp,
  { type: 'string', format: 'date-time', examples: ['2026-03-01T09:30:00Z'] },
  'expected an ISO 8601 timestamp with an offset, e.g. "2026-03-01T09:30:00Z"',
);

const currency = leaf(
  CurrencyCode,
  {
    type: 'string',
    enum: INVOICEABLE_CURRENCY_CODES,
    description: 'ISO 4217 code of a currency (precious metals, SDR, test and fund codes are refused)',
    examples: ['EUR'],
  },
  'expected an ISO 4217 currency code, e.g. "EUR"',
);

const text = leaf(
  NonEmptyString,
  { type: 'string', minLength: 1, maxLength: 2000 },
  'expected a non-empty text of at most 2000 characters',
);

const email = leaf(
  EmailAddress,
  { type: 'string', format: 'email', maxLength: 254 },
  'expected an email address',
);

const country = leaf(
  CountryCode,
  { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2', examples: ['DE'] },
  'expected an ISO 3166-1 alpha-2 country code, e.g. "DE"',
);

const series = leaf(
  Series,
  { type: 'string', pattern: '^[A-Z0-9-]{1,16}$', default: 'INV' },
  'expected a series of 1 to 16 upper-case letters, digits or dashes',
);

const paymentTermsDays = leaf(
  PaymentTermsDays,
  { type: 'integer', minimum: 0, maximum: 3660 },
  'expected a whole number of days from 0 to 3660',
);

const taxCategory = leaf(
  VatCategoryCode,
  { type: 'string', enum: Object.keys(VatCategoryCode.keys), description: 'UNCL 5305 VAT category' },
  `expected a VAT category: ${Object.keys(VatCategoryCode.keys).join(', ')}`,
);

const channel = leaf(
  DeliveryChannel,
  { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$', examples: ['email', 'peppol'] },
  'expected a channel name in lower case, e.g. "email"',
);

const exactlyOne =
  (fields: readonly [string, string]) =>
  (value: object): ReadonlyArray<{ readonly field?: string; readonly message: string }> => {
    const present = fields.filter((field) => field in value);
    if (present.length === 1) return [];
    return present.length === 0
      ? [{ message: `one of ${fields.join(' or ')} is required` }]
      : [{ field: fields[1], message: `give either ${fields.join(' or ')}, not both` }];
  };

const oneOfRequired = (fields: readonly [string, string]) => ({
  oneOf: fields.map((field) => ({ required: [field] })),
});

const allowanceFields = { amount: decimal, percent: decimal, reason: boundedString(2000) };

export const AllowanceChargeBody = object('AllowanceCharge', {}, allowanceFields, {
  description: 'A line allowance or charge: a fixed amount or a percentage of the line amount.',
  check: exactlyOne(['amount', 'percent']),
  schema: oneOfRequired(['amount', 'percent']),
});

export const DocumentAllowanceChargeBody = object(
  'DocumentAllowanceCharge',
  { tax_category: taxCategory },
  { ...allowanceFields, tax_rate: decimal },
  {
    description:
      'A document-level allowance or charge: a fixed amount or a percentage of the sum of line net amounts.',
    check: exactlyOne(['amount', 'percent']),
    schema: oneOfRequired(['amount', 'percent']),
  },
);

export const LineBody = object(
  'Line',
  { quantity: decimal, unit_price: decimal, tax_category: taxCategory },
  {
    description: boundedString(2000),
    base_quantity: decimal,
    unit_code: boundedString(16, 'UN/ECE Recommendation 20 unit code, e.g. "C62", "HUR"'),
    tax_rate: decimal,
    allowances: array(AllowanceChargeBody, 50),
    charges: array(AllowanceChargeBody, 50),
  },
);

export const AddressBody = object(
  'Address',
  { line1: text, city: text, postal_code: boundedString(32), country },
  { line2: boundedString(2000) },
);

export const CustomerBody = object(
  'Customer',
  { id: text, name: text },
  { email, vat_number: text, address: AddressBody },
);

const MAX_LINES = 500;

const contentFields = {
  issue_date: date,
  due_date: date,
  payment_terms_days: paymentTermsDays,
  series,
  prices_include_tax: boolean,
  allowances: array(DocumentAllowanceChargeBody, 50),
  charges: array(DocumentAllowanceChargeBody, 50),
};

const notBothDueDateAndTerms = (
  value: object,
): ReadonlyArray<{ readonly field?: string; readonly message: string }> =>
  'due_date' in value && 'payment_terms_days' in value
    ? [{ field: 'payment_terms_days', message: 'give either due_date or payment_terms_days, not both' }]
    : [];

const notBothDueDateAndTermsSchema = { not: { required: ['due_date', 'payment_terms_days'] } };

export const CreateInvoiceBody = object(
  'CreateInvoice',
  { customer: CustomerBody, currency, lines: array(LineBody, MAX_LINES) },
  { ...contentFields, notes: boundedString(10_000), reference: boundedString(200) },
  {
    description: 'A new draft invoice. Line ids are assigned "1", "2", … in order.',
    check: notBothDueDateAndTerms,
    schema: notBothDueDateAndTermsSchema,
  },
);
export type CreateInvoiceBody = TypeOfSpec<typeof CreateInvoiceBody>;

export const PatchInvoiceBody = object(
  'PatchInvoice',
  {},
  {
    ...contentFields,
    customer: CustomerBody,
    currency,
    lines: array(LineBody, MAX_LINES),
    notes: nullable(boundedString(10_000)),
    reference: nullable(boundedString(200)),
  },
  {
    description:
      'Changes to a draft: absent fields keep their value, `null` clears notes or reference. New lines replace the old ones and are numbered "1", "2", … again.',
    check: notBothDueDateAndTerms,
    schema: notBothDueDateAndTermsSchema,
  },
);
export type PatchInvoiceBody = TypeOfSpec<typeof PatchInvoiceBody>;

export const ApproveBody = object('Approve', {}, {}, { description: 'No fields; the body may be omitted.' });

export const SendBody = object('Send', { channel }, {});
export type SendBody = TypeOfSpec<typeof SendBody>;

export const PaymentBody = object(
  'Payment',
  { amount: decimal, paid_at: timestamp },
  { reference: boundedString(200) },
  { description: 'A payment received, in the invoice currency.' },
);
export type PaymentBody = TypeOfSpec<typeof PaymentBody>;

export const ReasonBody = object('Reason', { reason: text }, {});
export type ReasonBody = TypeOfSpec<typeof ReasonBody>;

export const CreditNoteBody = object(
  'CreditNote',
  { reason: text },
  { lines: array(LineBody, MAX_LINES), amount: decimal },
  {
    description:
      'A credit note: itemised lines, or a gross amount (VAT included) spread over the invoice VAT rates.',
    check: exactlyOne(['lines', 'amount']),
    schema: oneOfRequired(['lines', 'amount']),
  },
);
export type CreditNoteBody = TypeOfSpec<typeof CreditNoteBody>;

/** Every request schema, by the name the OpenAPI document gives it. */
export const requestSchemas: Readonly<Record<string, Spec<unknown>>> = {
  CreateInvoice: CreateInvoiceBody,
  PatchInvoice: PatchInvoiceBody,
  Approve: ApproveBody,
  Send: SendBody,
  Payment: PaymentBody,
  Reason: ReasonBody,
  CreditNote: CreditNoteBody,
};
