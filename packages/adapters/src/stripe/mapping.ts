import type { CurrencyCode, VatCategoryCode } from '@accrue/domain';
import { currencyExponent } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type Stripe from 'stripe';

import type { ProviderInvoice, ProviderRejected, ProviderVat } from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import { stripeCurrency, toSdkInteger, toStripeUnits } from './currency.js';

/**
 * ProviderInvoice → the Stripe requests that issue it (ADR 12). Pure and deterministic: a retried issue builds
 * exactly the same parameters, which Stripe's idempotency keys require (same key + different parameters is
 * an `idempotency_error`). Everything Stripe cannot carry exactly is refused here, before any request.
 *
 * - Each line is one `add_lines` line with `amount` = our net amount (BT-131) and one `tax_amounts` entry with
 *   our allocated tax (`inclusive: false`), so Stripe's subtotal, tax and total are ours to the unit. We do
 *   not send `price_data` + `quantity`: Stripe would recompute and round quantity × price, and our net amount
 *   (after line allowances and charges) is the authority. Quantity and unit price go into the description.
 * - Tax-inclusive invoices are sent the same way (net + exclusive tax): their net and tax are already derived
 *   exactly, and a gross amount with an inclusive tax would only reproduce our total when net + tax equals
 *   the line's gross, which the allocation does not promise.
 * - Document allowances are lines with a negative amount and negative tax (the `add_lines` reference: "If you
 *   want to apply a credit to the customer's account, pass a negative amount"); charges are positive lines.
 *   Coupons were rejected: Stripe spreads an `amount_off` over the lines itself and, with manual
 *   `tax_amounts`, does not recompute taxes, so the tax on the discounted lines could not be ours.
 * - A prepaid amount and a payable rounding become untaxed lines so that `amount_due` is our payable amount.
 */

export const STRIPE_METADATA = {
  tenantId: 'accrue_tenant_id',
  customerId: 'accrue_customer_id',
  invoiceId: 'accrue_invoice_id',
  invoiceNumber: 'accrue_invoice_number',
  /** Number of `add_lines` batches applied: written by each batch atomically with its lines. */
  lineBatches: 'accrue_line_batches',
  /** Set just before an out-of-band `pay`: the Accrue payment that settled the invoice (webhooks ignore it). */
  paymentId: 'accrue_payment_id',
} as const;

/** Stripe's `number` limit. We own gap-free numbering, so ours is sent, never replaced by Stripe's. */
export const MAX_NUMBER_LENGTH = 26;
/** "Up to 250 items per invoice". */
export const MAX_LINES = 250;
/** Lines per `add_lines` request: Stripe publishes no limit for it; 50 keeps each request modest. */
export const LINES_PER_BATCH = 50;
const MAX_DESCRIPTION = 1500;
const MAX_CUSTOM_FIELD_VALUE = 140;
const PERCENTAGE = /^(?:100(?:\.0{1,4})?|\d{1,2}(?:\.\d{1,4})?)$/;

export interface StripeCustomerPlan {
  /** Customers are looked up by email (the list filter Stripe offers in every mode), then by our metadata. */
  readonly email?: string;
  readonly metadata: {
    readonly [STRIPE_METADATA.tenantId]: string;
    readonly [STRIPE_METADATA.customerId]: string;
  };
  readonly params: Stripe.CustomerCreateParams & Stripe.CustomerUpdateParams;
}

export interface StripeIssuePlan {
  readonly customer: StripeCustomerPlan;
  /** `POST /v1/invoices` without `customer`, which is known only after the customer step. */
  readonly invoice: Omit<Stripe.InvoiceCreateParams, 'customer'>;
  readonly invoiceMetadata: {
    readonly [STRIPE_METADATA.tenantId]: string;
    readonly [STRIPE_METADATA.invoiceId]: string;
  };
  readonly lineBatches: ReadonlyArray<ReadonlyArray<Stripe.InvoiceAddLinesParams.Line>>;
  /** What Stripe must compute for this invoice, in Stripe's units: checked before finalizing. */
  readonly expected: { readonly amountDue: bigint; readonly tax: bigint };
}

type Refusal = ProviderRejected;

const refuse = (code: string, message: string): Refusal =>
  providerRejected({ provider: 'stripe', operation: 'issue', code, message });

const DISPLAY_NAMES: Readonly<Record<VatCategoryCode, string>> = {
  S: 'VAT',
  Z: 'VAT (zero rated)',
  E: 'VAT (exempt)',
  AE: 'VAT (reverse charge)',
  K: 'VAT (intra-community supply)',
  G: 'VAT (export)',
  O: 'Not subject to VAT',
  L: 'IGIC',
  M: 'IPSI',
  B: 'VAT (split payment)',
};

const TAXABILITY: Partial<
  Readonly<Record<VatCategoryCode, Stripe.InvoiceAddLinesParams.Line.TaxAmount.TaxabilityReason>>
> = {
  S: 'standard_rated',
  B: 'standard_rated',
  Z: 'zero_rated',
  E: 'product_exempt',
  AE: 'reverse_charge',
  K: 'reverse_charge',
  G: 'not_subject_to_tax',
  O: 'not_subject_to_tax',
};

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `YYYY-MM-DD` → 12:00 UTC of that day, in unix seconds: the same calendar date from UTC−11 to UTC+11. */
export const noonUtc = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, 12) / 1000;
};

const units = (amount: bigint, currency: CurrencyCode, what: string): E.Either<Refusal, number> =>
  pipe(
    toStripeUnits(amount, currency, what),
    E.flatMap((value) => toSdkInteger(value, what)),
    E.mapLeft((refusal) => refuse(refusal.code, refusal.message)),
  );

const taxRateData = (
  vat: ProviderVat,
): E.Either<Refusal, Stripe.InvoiceAddLinesParams.Line.TaxAmount.TaxRateData> => {
  const rate = vat.rate ?? '0';
  if (!PERCENTAGE.test(rate)) {
    return E.left(
      refuse('tax_rate_precision', `Stripe takes tax percentages 0–100 with at most 4 decimals, not ${rate}`),
    );
  }
  return E.right({
    display_name: DISPLAY_NAMES[vat.category],
    inclusive: false,
    // At most 4 decimals and 3 integer digits: `Number` holds it exactly and the SDK writes it back as typed.
    percentage: Number(rate),
    tax_type: 'vat',
  });
};

interface LineSource {
  readonly description: string;
  readonly amount: bigint;
  readonly tax?: { readonly amount: bigint; readonly vat: ProviderVat };
  readonly metadata: Readonly<Record<string, string>>;
}

const toLine = (
  source: LineSource,
  currency: CurrencyCode,
): E.Either<Refusal, Stripe.InvoiceAddLinesParams.Line> =>
  pipe(
    units(source.amount, currency, source.description),
    E.flatMap((amount) => {
      const base: Stripe.InvoiceAddLinesParams.Line = {
        amount,
        description: clip(source.description, 5000),
        metadata: { ...source.metadata },
      };
      const { tax } = source;
      if (tax === undefined) return E.right(base);
      return pipe(
        E.Do,
        E.bind('taxAmount', () => units(tax.amount, currency, `tax of ${source.description}`)),
        E.bind('rateData', () => taxRateData(tax.vat)),
        E.map(({ taxAmount, rateData }): Stripe.InvoiceAddLinesParams.Line => {
          const reason = TAXABILITY[tax.vat.category];
          return {
            ...base,
            tax_amounts: [
              {
                amount: taxAmount,
                taxable_amount: amount,
                tax_rate_data: rateData,
                ...(reason === undefined ? {} : { taxability_reason: reason }),
              },
            ],
          };
        }),
      );
    }),
  );

/** `120.5` EUR → `120.50`: at least the currency's decimals, more when the price has them. */
const priceText = (price: string, currency: CurrencyCode): string => {
  const [whole, fraction = ''] = price.split('.');
  const digits = Math.max(currencyExponent(currency), fraction.length);
  return digits === 0 ? (whole ?? price) : `${whole ?? ''}.${fraction.padEnd(digits, '0')}`;
};

const lineSources = (invoice: ProviderInvoice): ReadonlyArray<LineSource> => {
  const inclusive = invoice.pricesIncludeTax ? ' incl. VAT' : '';
  return [
    ...invoice.lines.map((line): LineSource => ({
      description: `${line.description} (${line.quantity} × ${priceText(line.unitPrice, invoice.currency)}${inclusive})`,
      amount: line.netAmount,
      tax: { amount: line.taxAmount, vat: line.vat },
      metadata: { accrue_line_id: line.id },
    })),
    ...invoice.allowances.map((entry, index): LineSource => ({
      description: entry.percent === undefined ? entry.reason : `${entry.reason} (${entry.percent}%)`,
      amount: -entry.amount,
      tax: { amount: -entry.taxAmount, vat: entry.vat },
      metadata: { accrue_allowance: String(index + 1) },
    })),
    ...invoice.charges.map((entry, index): LineSource => ({
      description: entry.percent === undefined ? entry.reason : `${entry.reason} (${entry.percent}%)`,
      amount: entry.amount,
      tax: { amount: entry.taxAmount, vat: entry.vat },
      metadata: { accrue_charge: String(index + 1) },
    })),
    ...(invoice.totals.prepaidAmount === 0n
      ? []
      : [
          {
            description: 'Prepaid amount',
            amount: -invoice.totals.prepaidAmount,
            metadata: { accrue_adjustment: 'prepaid' },
          },
        ]),
    ...(invoice.totals.payableRoundingAmount === 0n
      ? []
      : [
          {
            description: 'Rounding',
            amount: invoice.totals.payableRoundingAmount,
            metadata: { accrue_adjustment: 'rounding' },
          },
        ]),
  ];
};

const dueDateParams = (
  invoice: ProviderInvoice,
  now: Date,
): E.Either<Refusal, Pick<Stripe.InvoiceCreateParams, 'due_date' | 'days_until_due'>> => {
  // Due on the issue date: "due on receipt". A timestamp would be refused once 12:00 UTC has passed, and a
  // parameter that depended on the clock would break idempotent retries.
  if (invoice.dueDate === invoice.issueDate) return E.right({ days_until_due: 0 });
  const dueDate = noonUtc(invoice.dueDate);
  // Stripe refuses a `due_date` in the past ("must be an integer Unix timestamp in the future"); we refuse it
  // first rather than move the due date the customer was told.
  return dueDate * 1000 > now.getTime()
    ? E.right({ due_date: dueDate })
    : E.left(
        refuse(
          'due_date_in_past',
          `Stripe cannot take due date ${invoice.dueDate}: it has passed (Stripe requires a future due_date)`,
        ),
      );
};

const sequence = <A>(items: ReadonlyArray<E.Either<Refusal, A>>): E.Either<Refusal, ReadonlyArray<A>> => {
  const out: A[] = [];
  for (const item of items) {
    if (E.isLeft(item)) return item;
    out.push(item.right);
  }
  return E.right(out);
};

const sumUnits = (lines: ReadonlyArray<Stripe.InvoiceAddLinesParams.Line>) => {
  let amount = 0n;
  let tax = 0n;
  for (const line of lines) {
    amount += BigInt(line.amount ?? 0);
    const taxes = Array.isArray(line.tax_amounts) ? line.tax_amounts : [];
    for (const entry of taxes) tax += BigInt(entry.amount);
  }
  return { amount, tax };
};

/** Builds every request of an issue, or the reason Stripe cannot carry this invoice exactly. */
export const planIssue = (invoice: ProviderInvoice, now: Date): E.Either<Refusal, StripeIssuePlan> => {
  const { currency, customer } = invoice;
  if (invoice.number.length > MAX_NUMBER_LENGTH) {
    return E.left(
      refuse(
        'invoice_number_too_long',
        `Stripe invoice numbers have at most ${MAX_NUMBER_LENGTH} characters; ${invoice.number} has ${invoice.number.length} (we do not let Stripe number our invoices)`,
      ),
    );
  }
  if (invoice.totals.payableAmount < 0n) {
    return E.left(refuse('negative_total', 'Stripe would turn a negative invoice into customer credit'));
  }
  const sources = lineSources(invoice);
  if (sources.length > MAX_LINES) {
    return E.left(
      refuse(
        'too_many_lines',
        `Stripe takes at most ${MAX_LINES} lines; this invoice needs ${sources.length}`,
      ),
    );
  }
  return pipe(
    E.Do,
    E.bind('lines', () => sequence(sources.map((source) => toLine(source, currency)))),
    E.bind('payable', () =>
      pipe(
        toStripeUnits(invoice.totals.payableAmount, currency, 'payable amount'),
        E.mapLeft((r) => refuse(r.code, r.message)),
      ),
    ),
    E.bind('tax', () =>
      pipe(
        toStripeUnits(invoice.totals.taxAmount, currency, 'tax total'),
        E.mapLeft((r) => refuse(r.code, r.message)),
      ),
    ),
    E.bind('due', () => dueDateParams(invoice, now)),
    E.flatMap(({ lines, payable, tax, due }) => {
      // The flattened invoice promises that its lines reproduce its totals; a mapping that lost a unit here
      // would show the customer a different total, so it is refused rather than sent.
      const sum = sumUnits(lines);
      if (sum.amount + sum.tax !== payable || sum.tax !== tax) {
        return E.left(
          refuse(
            'total_mismatch',
            `lines sum to ${sum.amount + sum.tax} (tax ${sum.tax}) in Stripe units, the invoice to ${payable} (tax ${tax})`,
          ),
        );
      }
      const batches: Array<ReadonlyArray<Stripe.InvoiceAddLinesParams.Line>> = [];
      for (let i = 0; i < lines.length; i += LINES_PER_BATCH)
        batches.push(lines.slice(i, i + LINES_PER_BATCH));
      const customFields = [
        ...(invoice.buyerReference === undefined
          ? []
          : [{ name: 'Buyer reference', value: clip(invoice.buyerReference, MAX_CUSTOM_FIELD_VALUE) }]),
        ...(customer.vatNumber === undefined
          ? []
          : [{ name: 'Customer VAT number', value: clip(customer.vatNumber, MAX_CUSTOM_FIELD_VALUE) }]),
      ];
      const exemptions = [
        ...new Set(
          [...invoice.lines.map((l) => l.vat), ...invoice.vatBreakdown.map((g) => g.vat)].flatMap((vat) =>
            vat.exemptionReason === undefined ? [] : [vat.exemptionReason],
          ),
        ),
      ];
      const invoiceMetadata = {
        [STRIPE_METADATA.tenantId]: invoice.tenantId,
        [STRIPE_METADATA.invoiceId]: invoice.invoiceId,
      } as const;
      const customerMetadata = {
        [STRIPE_METADATA.tenantId]: invoice.tenantId,
        [STRIPE_METADATA.customerId]: customer.id,
      } as const;
      return E.right<Refusal, StripeIssuePlan>({
        customer: {
          ...(customer.email === undefined ? {} : { email: customer.email }),
          metadata: customerMetadata,
          params: {
            name: customer.name,
            ...(customer.email === undefined ? {} : { email: customer.email }),
            ...(customer.address === undefined
              ? {}
              : {
                  address: {
                    line1: customer.address.line1,
                    ...(customer.address.line2 === undefined ? {} : { line2: customer.address.line2 }),
                    city: customer.address.city,
                    postal_code: customer.address.postalCode,
                    country: customer.address.country,
                  },
                }),
            metadata: { ...customerMetadata },
          },
        },
        invoice: {
          currency: stripeCurrency(currency),
          collection_method: 'send_invoice',
          ...due,
          // We send and collect when the sync process manager says so, never Stripe on its own schedule.
          auto_advance: false,
          number: invoice.number,
          pending_invoice_items_behavior: 'exclude',
          metadata: { ...invoiceMetadata, [STRIPE_METADATA.invoiceNumber]: invoice.number },
          ...(invoice.notes === undefined ? {} : { description: clip(invoice.notes, MAX_DESCRIPTION) }),
          ...(customFields.length === 0 ? {} : { custom_fields: customFields }),
          ...(exemptions.length === 0 ? {} : { footer: clip(exemptions.join('\n'), 5000) }),
        },
        invoiceMetadata,
        lineBatches: batches,
        expected: { amountDue: payable, tax },
      });
    }),
  );
};
