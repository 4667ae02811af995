import type {
  AllowanceChargeResource,
  CustomerResource,
  DocumentAllowanceChargeResource,
  InvoiceResource,
  LineResource,
  TaxBreakdownResource,
  TotalsResource,
} from '../resource/index.js';

/** `tax_breakdown` → `taxBreakdown`, as a type (the same rule as `camelKey`). */
type CamelKey<K extends string> = K extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelKey<Tail>>}`
  : K;

/** A snake_case resource type with every key in camelCase: what GraphQL serves for it. */
export type CamelCased<T> =
  T extends ReadonlyArray<infer Item>
    ? ReadonlyArray<CamelCased<Item>>
    : T extends object
      ? { readonly [K in keyof T as K extends string ? CamelKey<K> : K]: CamelCased<T[K]> }
      : T;

/** The GraphQL `Invoice`: the REST invoice resource in camelCase. */
export type InvoiceObject = CamelCased<InvoiceResource>;

// Built field by field rather than by walking the resource (`camelCaseKeys`): the types above make the compiler
// check that every field of the resource is carried over under its camelCase name, and nothing else, and the
// GraphQL and REST e2e tests compare the two answers field by field.

const customerObject = (customer: CustomerResource): InvoiceObject['customer'] => ({
  id: customer.id,
  name: customer.name,
  email: customer.email,
  vatNumber: customer.vat_number,
  address:
    customer.address === null
      ? null
      : {
          line1: customer.address.line1,
          line2: customer.address.line2,
          city: customer.address.city,
          postalCode: customer.address.postal_code,
          country: customer.address.country,
        },
});

// No snake_case keys in these: the resource's objects are already what GraphQL serves.
const allowanceChargeObject = (entry: AllowanceChargeResource): CamelCased<AllowanceChargeResource> => entry;

const documentEntryObject = (
  entry: DocumentAllowanceChargeResource,
): CamelCased<DocumentAllowanceChargeResource> => ({
  amount: entry.amount,
  percent: entry.percent,
  reason: entry.reason,
  taxCategory: entry.tax_category,
  taxRate: entry.tax_rate,
});

const lineObject = (line: LineResource): CamelCased<LineResource> => ({
  id: line.id,
  description: line.description,
  quantity: line.quantity,
  unitPrice: line.unit_price,
  baseQuantity: line.base_quantity,
  unitCode: line.unit_code,
  taxCategory: line.tax_category,
  taxRate: line.tax_rate,
  allowances: line.allowances.map(allowanceChargeObject),
  charges: line.charges.map(allowanceChargeObject),
  netAmount: line.net_amount,
});

const totalsObject = (totals: TotalsResource): CamelCased<TotalsResource> => ({
  lineExtensionAmount: totals.line_extension_amount,
  allowanceTotalAmount: totals.allowance_total_amount,
  chargeTotalAmount: totals.charge_total_amount,
  taxExclusiveAmount: totals.tax_exclusive_amount,
  taxAmount: totals.tax_amount,
  taxInclusiveAmount: totals.tax_inclusive_amount,
  prepaidAmount: totals.prepaid_amount,
  payableRoundingAmount: totals.payable_rounding_amount,
  payableAmount: totals.payable_amount,
});

const taxBreakdownObject = (entry: TaxBreakdownResource): CamelCased<TaxBreakdownResource> => ({
  category: entry.category,
  rate: entry.rate,
  taxableAmount: entry.taxable_amount,
  taxAmount: entry.tax_amount,
});

/** Objects by the resource they mirror (the same view gives the same resource, see `invoiceResource`). */
const objects = new WeakMap<InvoiceResource, InvoiceObject>();

/**
 * The GraphQL `Invoice` of a REST invoice resource (one builder for both, so the two never drift); the same
 * resource gives the same (shared, never mutated) object.
 */
export const invoiceObject = (resource: InvoiceResource): InvoiceObject => {
  let object = objects.get(resource);
  if (object === undefined) {
    object = buildInvoiceObject(resource);
    objects.set(resource, object);
  }
  return object;
};

const buildInvoiceObject = (resource: InvoiceResource): InvoiceObject => ({
  id: resource.id,
  number: resource.number,
  status: resource.status,
  currency: resource.currency,
  series: resource.series,
  customer: customerObject(resource.customer),
  issueDate: resource.issue_date,
  dueDate: resource.due_date,
  paymentTermsDays: resource.payment_terms_days,
  pricesIncludeTax: resource.prices_include_tax,
  lines: resource.lines.map(lineObject),
  allowances: resource.allowances.map(documentEntryObject),
  charges: resource.charges.map(documentEntryObject),
  notes: resource.notes,
  reference: resource.reference,
  totals: resource.totals === null ? null : totalsObject(resource.totals),
  taxBreakdown: resource.tax_breakdown.map(taxBreakdownObject),
  amountPaid: resource.amount_paid,
  amountCredited: resource.amount_credited,
  amountWrittenOff: resource.amount_written_off,
  amountDue: resource.amount_due,
  version: resource.version,
});
