import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type {
  AllowanceChargeInput,
  Decimal,
  DocumentAllowanceChargeInput,
  FrozenTotals,
  FrozenVatBreakdownEntry,
  InvoiceCalculation,
  LineInput,
  VatInput,
} from '@accrue/domain';
import {
  InvoiceContent,
  calculateInvoice,
  formatMinorUnits,
  freezeTotals,
  freezeVatBreakdown,
  isDecimalString,
  toCalculationInput,
} from '@accrue/domain';
import type { InvoiceDetailView, InvoiceLineFigures } from '@accrue/projections';
import { InvoiceFigures } from '@accrue/projections';

/**
 * The invoice resource of the HTTP API (snake_case JSON, every amount, quantity, price and rate a decimal
 * string). GraphQL mirrors it field for field in camelCase, from the same input, so "GraphQL answers equal
 * REST" holds by construction: both build from the read model's `InvoiceDetailView`.
 *
 * - `number` is null for a draft; a draft's `totals`, `tax_breakdown` and line `net_amount`s are computed from
 *   its content (null / empty when the draft does not calculate yet: drafts may be work in progress).
 * - An issued invoice's `totals` and `tax_breakdown` are the figures frozen at approval; line `net_amount`s are
 *   derived from the frozen content (they are not part of the approval event).
 * - `amount_due` is what is still collectible (payable − paid − credited − written off; 0 once void), null for
 *   a draft (nothing is owed before issue). `version` is the invoice stream's version: the number of events.
 */
export interface InvoiceResource {
  readonly id: string;
  readonly number: string | null;
  readonly status: string;
  readonly currency: string;
  readonly series: string;
  readonly customer: CustomerResource;
  readonly issue_date: string;
  readonly due_date: string;
  readonly payment_terms_days: number | null;
  readonly prices_include_tax: boolean;
  readonly lines: ReadonlyArray<LineResource>;
  readonly allowances: ReadonlyArray<DocumentAllowanceChargeResource>;
  readonly charges: ReadonlyArray<DocumentAllowanceChargeResource>;
  readonly notes: string | null;
  readonly reference: string | null;
  readonly totals: TotalsResource | null;
  readonly tax_breakdown: ReadonlyArray<TaxBreakdownResource>;
  readonly amount_paid: string;
  readonly amount_credited: string;
  readonly amount_written_off: string;
  readonly amount_due: string | null;
  readonly version: number;
}

export interface AddressResource {
  readonly line1: string;
  readonly line2: string | null;
  readonly city: string;
  readonly postal_code: string;
  readonly country: string;
}

export interface CustomerResource {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly vat_number: string | null;
  readonly address: AddressResource | null;
}

export interface AllowanceChargeResource {
  /** The amount (fixed ones as entered; percentage ones as computed, null when the content does not calculate). */
  readonly amount: string | null;
  readonly percent: string | null;
  readonly reason: string | null;
}

export interface DocumentAllowanceChargeResource extends AllowanceChargeResource {
  readonly tax_category: string;
  readonly tax_rate: string | null;
}

export interface LineResource {
  readonly id: string;
  readonly description: string | null;
  readonly quantity: string;
  readonly unit_price: string | null;
  readonly base_quantity: string | null;
  readonly unit_code: string | null;
  readonly tax_category: string;
  readonly tax_rate: string | null;
  readonly allowances: ReadonlyArray<AllowanceChargeResource>;
  readonly charges: ReadonlyArray<AllowanceChargeResource>;
  /** BT-131, VAT excluded; null when the draft does not calculate. */
  readonly net_amount: string | null;
}

export interface TotalsResource {
  readonly line_extension_amount: string;
  readonly allowance_total_amount: string;
  readonly charge_total_amount: string;
  readonly tax_exclusive_amount: string;
  readonly tax_amount: string;
  readonly tax_inclusive_amount: string;
  readonly prepaid_amount: string;
  readonly payable_rounding_amount: string;
  readonly payable_amount: string;
}

export interface TaxBreakdownResource {
  readonly category: string;
  readonly rate: string | null;
  readonly taxable_amount: string;
  readonly tax_amount: string;
}

// The projection stores the content in its wire form (`InvoiceContent.encode`): decoded here, at the boundary.
const StoredDetail = t.type({ content: InvoiceContent });

const text = (value: Decimal | undefined): string | null => (value === undefined ? null : value.toFixed());

const allowanceCharge = (
  entry: AllowanceChargeInput,
  computed: bigint | undefined,
  calculation: InvoiceCalculation | undefined,
): AllowanceChargeResource => ({
  amount:
    'amount' in entry
      ? entry.amount.toFixed()
      : computed === undefined || calculation === undefined
        ? null
        : formatMinorUnits(computed, calculation.currency),
  percent: 'percent' in entry ? entry.percent.toFixed() : null,
  reason: entry.reason ?? null,
});

const vatFields = (vat: VatInput): { tax_category: string; tax_rate: string | null } => ({
  tax_category: vat.category,
  tax_rate: text(vat.rate),
});

const documentEntry = (
  entry: DocumentAllowanceChargeInput,
  computed: bigint | undefined,
  calculation: InvoiceCalculation | undefined,
): DocumentAllowanceChargeResource => ({
  ...allowanceCharge(entry, computed, calculation),
  ...vatFields(entry.vat),
});

const line = (input: LineInput, index: number, calculation: InvoiceCalculation | undefined): LineResource => {
  const calculated = calculation?.lines[index];
  return {
    id: input.id,
    description: input.description ?? null,
    quantity: input.quantity.toFixed(),
    unit_price: text(input.netPrice ?? calculated?.netPrice),
    base_quantity: text(input.baseQuantity),
    unit_code: input.unitCode ?? null,
    ...vatFields(input.vat),
    allowances: (input.allowances ?? []).map((entry, i) =>
      allowanceCharge(entry, calculated?.allowances[i]?.amount, calculation),
    ),
    charges: (input.charges ?? []).map((entry, i) =>
      allowanceCharge(entry, calculated?.charges[i]?.amount, calculation),
    ),
    net_amount:
      calculated === undefined || calculation === undefined
        ? null
        : formatMinorUnits(calculated.netAmount, calculation.currency),
  };
};

const totalsResource = (totals: FrozenTotals): TotalsResource => ({
  line_extension_amount: totals.lineExtensionAmount,
  allowance_total_amount: totals.allowanceTotalAmount,
  charge_total_amount: totals.chargeTotalAmount,
  tax_exclusive_amount: totals.taxExclusiveAmount,
  tax_amount: totals.taxAmount,
  tax_inclusive_amount: totals.taxInclusiveAmount,
  prepaid_amount: totals.prepaidAmount,
  payable_rounding_amount: totals.payableRoundingAmount,
  payable_amount: totals.payableAmount,
});

const taxBreakdownResource = (entry: FrozenVatBreakdownEntry): TaxBreakdownResource => ({
  category: entry.category,
  rate: entry.rate ?? null,
  taxable_amount: entry.taxableAmount,
  tax_amount: entry.taxAmount,
});

/** The content of a stored detail; a row that does not decode was not written by the projection (a bug). */
export const invoiceContentOf = (view: InvoiceDetailView): InvoiceContent => {
  const decoded = StoredDetail.decode(view.detail);
  if (E.isLeft(decoded))
    throw new Error(`invoice ${view.invoiceId}: the read model's detail does not decode`);
  return decoded.right.content;
};

/** The resource from the decoded content, calculated here: for views without the projection's figures. */
const calculatedInvoiceResource = (view: InvoiceDetailView): InvoiceResource => {
  const content = invoiceContentOf(view);
  const calculated = calculateInvoice(toCalculationInput(content), { rounding: content.rounding });
  const calculation = E.isRight(calculated) ? calculated.right : undefined;
  const totals: FrozenTotals | null =
    view.totals ?? (calculation === undefined ? null : freezeTotals(calculation.totals, content.currency));
  const breakdown: ReadonlyArray<FrozenVatBreakdownEntry> =
    view.vatBreakdown ??
    (calculation === undefined ? [] : freezeVatBreakdown(calculation.vatBreakdown, content.currency));
  const { customer } = content;
  return {
    id: view.invoiceId,
    number: view.number,
    status: view.status,
    currency: view.currency,
    series: content.series,
    customer: {
      id: customer.id,
      name: customer.name,
      email: customer.email ?? null,
      vat_number: customer.vatNumber ?? null,
      address:
        customer.address === undefined
          ? null
          : {
              line1: customer.address.line1,
              line2: customer.address.line2 ?? null,
              city: customer.address.city,
              postal_code: customer.address.postalCode,
              country: customer.address.country,
            },
    },
    issue_date: view.issueDate,
    due_date: view.dueDate,
    payment_terms_days: content.paymentTermsDays ?? null,
    prices_include_tax: content.pricesIncludeTax,
    lines: content.lines.map((input, index) => line(input, index, calculation)),
    allowances: content.allowances.map((entry, i) =>
      documentEntry(entry, calculation?.allowances[i]?.amount, calculation),
    ),
    charges: content.charges.map((entry, i) =>
      documentEntry(entry, calculation?.charges[i]?.amount, calculation),
    ),
    notes: content.notes ?? null,
    reference: content.reference ?? null,
    totals: totals === null ? null : totalsResource(totals),
    tax_breakdown: breakdown.map(taxBreakdownResource),
    amount_paid: view.amountPaid,
    amount_credited: view.amountCredited,
    amount_written_off: view.amountWrittenOff,
    amount_due: view.amountDue,
    version: view.streamVersion,
  };
};

// The fast path: the projection stored the content in its wire form (`InvoiceContent.encode`, decimals as
// `toFixed()` text, which is what this resource shows) beside what it calculates to (`InvoiceFigures`), so the
// resource is copied out of the stored JSON, each field checked for its type as it is read. Anything that does
// not check (a damaged row, or one written before the projection stored figures) goes the calculating way, which
// decodes the content in full and refuses a damaged row.

/** Thrown (and caught below) when the stored detail is not what the projection writes: one instance, no stack. */
class NotAsWritten extends Error {}
const NOT_AS_WRITTEN = new NotAsWritten('the stored detail is not as the projection writes it');

type Stored = Readonly<Record<string, unknown>>;

const isStored = (value: unknown): value is Stored =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const object = (value: unknown): Stored => {
  if (!isStored(value)) throw NOT_AS_WRITTEN;
  return value;
};

const string = (value: unknown): string => {
  if (typeof value !== 'string') throw NOT_AS_WRITTEN;
  return value;
};

const optionalString = (value: unknown): string | null => (value === undefined ? null : string(value));

const decimalText = (value: unknown): string => {
  if (typeof value !== 'string' || !isDecimalString(value)) throw NOT_AS_WRITTEN;
  return value;
};

const optionalDecimalText = (value: unknown): string | null =>
  value === undefined ? null : decimalText(value);

const list = (value: unknown): ReadonlyArray<unknown> => {
  if (!Array.isArray(value)) throw NOT_AS_WRITTEN;
  return value as ReadonlyArray<unknown>;
};

const optionalList = (value: unknown): ReadonlyArray<unknown> => (value === undefined ? [] : list(value));

/** An allowance or charge as stored: a fixed `amount`, or a `percent` whose amount the figures hold. */
const storedAllowanceCharge = (value: unknown, computed: string | undefined): AllowanceChargeResource => {
  const entry = object(value);
  const fixed = entry['amount'];
  if (fixed !== undefined)
    return { amount: decimalText(fixed), percent: null, reason: optionalString(entry['reason']) };
  return {
    amount: computed ?? null,
    percent: decimalText(entry['percent']),
    reason: optionalString(entry['reason']),
  };
};

const storedVat = (value: unknown): { tax_category: string; tax_rate: string | null } => {
  const vat = object(value);
  return { tax_category: string(vat['category']), tax_rate: optionalDecimalText(vat['rate']) };
};

const storedDocumentEntry = (
  value: unknown,
  computed: string | undefined,
): DocumentAllowanceChargeResource => ({
  ...storedAllowanceCharge(value, computed),
  ...storedVat(object(value)['vat']),
});

const storedLine = (value: unknown, figures: InvoiceLineFigures | undefined): LineResource => {
  const input = object(value);
  const allowances = optionalList(input['allowances']);
  const charges = optionalList(input['charges']);
  if (
    figures !== undefined &&
    (figures.allowances.length !== allowances.length || figures.charges.length !== charges.length)
  )
    throw NOT_AS_WRITTEN;
  const netPrice = input['netPrice'];
  return {
    id: string(input['id']),
    description: optionalString(input['description']),
    quantity: decimalText(input['quantity']),
    unit_price: netPrice === undefined ? (figures?.netPrice ?? null) : decimalText(netPrice),
    base_quantity: optionalDecimalText(input['baseQuantity']),
    unit_code: optionalString(input['unitCode']),
    ...storedVat(input['vat']),
    allowances: allowances.map((entry, i) => storedAllowanceCharge(entry, figures?.allowances[i])),
    charges: charges.map((entry, i) => storedAllowanceCharge(entry, figures?.charges[i])),
    net_amount: figures?.netAmount ?? null,
  };
};

const storedCustomer = (value: unknown): CustomerResource => {
  const customer = object(value);
  const stored = customer['address'];
  const address = stored === undefined ? undefined : object(stored);
  return {
    id: string(customer['id']),
    name: string(customer['name']),
    email: optionalString(customer['email']),
    vat_number: optionalString(customer['vatNumber']),
    address:
      address === undefined
        ? null
        : {
            line1: string(address['line1']),
            line2: optionalString(address['line2']),
            city: string(address['city']),
            postal_code: string(address['postalCode']),
            country: string(address['country']),
          },
  };
};

const storedTermsDays = (value: unknown): number | null => {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw NOT_AS_WRITTEN;
  return value;
};

/** The resource from the stored content and figures; undefined when the view has no (checkable) figures. */
const storedInvoiceResource = (view: InvoiceDetailView): InvoiceResource | undefined => {
  if (!isStored(view.detail)) return undefined;
  const figures = view.detail['figures'];
  if (figures === undefined || (figures !== null && !InvoiceFigures.is(figures))) return undefined;
  try {
    const content = object(view.detail['content']);
    const lines = list(content['lines']);
    const allowances = list(content['allowances']);
    const charges = list(content['charges']);
    if (
      figures !== null &&
      (figures.lines.length !== lines.length ||
        figures.allowances.length !== allowances.length ||
        figures.charges.length !== charges.length)
    )
      return undefined;
    const pricesIncludeTax = content['pricesIncludeTax'];
    if (typeof pricesIncludeTax !== 'boolean') return undefined;
    const totals = view.totals ?? figures?.totals ?? null;
    const breakdown = view.vatBreakdown ?? figures?.vatBreakdown ?? [];
    return {
      id: view.invoiceId,
      number: view.number,
      status: view.status,
      currency: view.currency,
      series: string(content['series']),
      customer: storedCustomer(content['customer']),
      issue_date: view.issueDate,
      due_date: view.dueDate,
      payment_terms_days: storedTermsDays(content['paymentTermsDays']),
      prices_include_tax: pricesIncludeTax,
      lines: lines.map((line, index) => storedLine(line, figures?.lines[index])),
      allowances: allowances.map((entry, i) => storedDocumentEntry(entry, figures?.allowances[i])),
      charges: charges.map((entry, i) => storedDocumentEntry(entry, figures?.charges[i])),
      notes: optionalString(content['notes']),
      reference: optionalString(content['reference']),
      totals: totals === null ? null : totalsResource(totals),
      tax_breakdown: breakdown.map(taxBreakdownResource),
      amount_paid: view.amountPaid,
      amount_credited: view.amountCredited,
      amount_written_off: view.amountWrittenOff,
      amount_due: view.amountDue,
      version: view.streamVersion,
    };
  } catch (error) {
    if (error === NOT_AS_WRITTEN) return undefined;
    throw error;
  }
};

/**
 * Builds the invoice resource from the read model's detail view. Pure and deterministic: the same view gives the
 * same resource (idempotent replays and GraphQL rely on it). Reads copy the projection's stored figures; views
 * without them (older rows, time travel) are calculated. The same view gives the same resource object.
 */
export const invoiceResource = (view: InvoiceDetailView): InvoiceResource => {
  let resource = resources.get(view);
  if (resource === undefined) {
    resource = storedInvoiceResource(view) ?? calculatedInvoiceResource(view);
    resources.set(view, resource);
  }
  return resource;
};

/**
 * Resources by the (immutable) view they were built from: the read models hand back the same view object while
 * the invoice is unchanged (see `getInvoice`), so a repeated read builds nothing. Shared, so never mutated.
 */
const resources = new WeakMap<InvoiceDetailView, InvoiceResource>();
