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
  toCalculationInput,
} from '@accrue/domain';
import type { InvoiceDetailView } from '@accrue/projections';

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

/**
 * Builds the invoice resource from the read model's detail view. Pure and deterministic: the same view gives the
 * same resource (idempotent replays and GraphQL rely on it).
 */
export const invoiceResource = (view: InvoiceDetailView): InvoiceResource => {
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
