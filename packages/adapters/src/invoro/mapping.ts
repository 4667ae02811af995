import type { CurrencyCode } from '@accrue/domain';
import {
  currencyExponent,
  formatMinorUnits,
  parseDecimal,
  pow10,
  roundQuotient,
  toScaledInteger,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type {
  ProviderAllowanceCharge,
  ProviderInvoice,
  ProviderLine,
  ProviderRejected,
  ProviderVat,
} from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import { JsonNumber } from '../providers/exactJson.js';
import type { InvoroConnectionConfig } from './config.js';

/**
 * Our approved invoice as Invoro's `POST /invoices` body (ADR 15).
 *
 * - **Cents**: Invoro counts every amount in integer "cents". We read that as hundredths of the major unit for
 *   every currency (Peppol BIS amounts have at most two decimals): JPY 1 250 is `125000`; a KWD amount is sent
 *   only when it is a whole number of 10 fils, otherwise the invoice is refused (`currency_precision`), never
 *   rounded.
 * - **Our totals, not Invoro's**: `calculate_totals: false`, with our line prices, allowances, charges, VAT
 *   breakdown and totals.
 * - **Line prices**: Invoro derives each line amount as `quantity × price ÷ base_quantity` from an integer price in
 *   cents. A line keeps its unit price when that derivation gives our line net amount exactly (a price finer than
 *   a cent moves into `base_quantity`: 0.1234 EUR becomes 1234 per 100); otherwise (tax-inclusive prices, line
 *   allowances or charges, a rounding tie) the line is priced as its net amount per base quantity = its
 *   quantity, which Invoro multiplies back to the net amount exactly. The quantity stays the real one.
 * - **Dates**: Invoro's schema says `date-time`; our dates are calendar dates, sent as noon UTC so that any
 *   conversion to a time zone between UTC−11 and UTC+11 keeps the same calendar date.
 */

export interface InvoroParty {
  readonly name: string;
  readonly legal_name?: string;
  readonly trading_name?: string;
  readonly vat_number?: string;
  readonly endpoint_id?: { readonly scheme: string; readonly value: string };
  readonly company_id?: { readonly scheme: string; readonly value: string };
  readonly address?: {
    readonly street?: string;
    readonly additional_line?: string;
    readonly city?: string;
    readonly subdivision?: string;
    readonly postal_code?: string;
    readonly country: string;
  };
  readonly contact?: { readonly name?: string; readonly phone?: string; readonly email?: string };
}

interface InvoroTax {
  readonly tax_category: string;
  readonly tax_rate?: JsonNumber;
  readonly tax_exemption_reason?: string;
  readonly tax_exemption_reason_code?: string;
}

export interface InvoroItem extends InvoroTax {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly quantity: JsonNumber;
  readonly unit_code: string;
  readonly price: bigint;
  readonly base_quantity?: JsonNumber;
}

export interface InvoroAllowanceCharge extends InvoroTax {
  readonly reason: string;
  readonly amount: bigint;
}

export interface InvoroCreateBody {
  readonly calculate_totals: false;
  readonly business_entity_id: string;
  readonly header: {
    readonly invoice_number: string;
    readonly invoice_type_code: '380';
    readonly issue_date: string;
    readonly due_date: string;
    readonly currency: string;
    readonly notes?: ReadonlyArray<string>;
    readonly buyer_reference?: string;
  };
  readonly seller?: InvoroParty;
  readonly buyer: InvoroParty;
  readonly payment?: {
    readonly terms?: string;
    readonly payments: ReadonlyArray<{
      readonly means_code: string;
      readonly bank_accounts: ReadonlyArray<{ iban: string; bic?: string; account_name?: string }>;
    }>;
  };
  readonly items: ReadonlyArray<InvoroItem>;
  readonly allowances: ReadonlyArray<InvoroAllowanceCharge>;
  readonly charges: ReadonlyArray<InvoroAllowanceCharge>;
  readonly tax_breakdown: ReadonlyArray<{
    readonly category_code: string;
    readonly rate?: JsonNumber;
    readonly taxable_amount: bigint;
    readonly tax_amount: bigint;
    readonly exemption_reason?: string;
    readonly exemption_reason_code?: string;
  }>;
  readonly totals: {
    readonly line_extension_amount: bigint;
    readonly tax_exclusive_amount: bigint;
    readonly tax_inclusive_amount: bigint;
    readonly tax_amount: bigint;
    readonly allowance_total_amount: bigint;
    readonly charge_total_amount: bigint;
    readonly paid_amount: bigint;
    readonly payable_rounding_amount: bigint;
    readonly payable_amount: bigint;
  };
}

/** Minor units of `currency` → Invoro cents (hundredths of the major unit); `undefined` when not whole. */
export const toInvoroCents = (minorUnits: bigint, currency: CurrencyCode): bigint | undefined => {
  const exponent = currencyExponent(currency);
  if (exponent <= 2) return minorUnits * pow10(2 - exponent);
  const divisor = pow10(exponent - 2);
  return minorUnits % divisor === 0n ? minorUnits / divisor : undefined;
};

/** Invoro cents → minor units of `currency`; `undefined` when the cents are finer than the currency (JPY). */
export const fromInvoroCents = (cents: bigint, currency: CurrencyCode): bigint | undefined => {
  const exponent = currencyExponent(currency);
  if (exponent >= 2) return cents * pow10(exponent - 2);
  const divisor = pow10(2 - exponent);
  return cents % divisor === 0n ? cents / divisor : undefined;
};

/** Calendar date → the `date-time` Invoro's schema asks for (see the module comment). */
export const invoroDateTime = (date: string): string => `${date}T12:00:00Z`;

const NAME_LIMIT = 255;

type Refusal = ProviderRejected;

const refuse = (code: string, message: string): Refusal =>
  providerRejected({ provider: 'invoro', operation: 'issue', code, message });

/** Collects the first refusal while mapping, so the mapping reads top to bottom. */
class Mapper {
  refusal: Refusal | undefined;

  constructor(private readonly currency: CurrencyCode) {}

  cents(minorUnits: bigint, what: string): bigint {
    const cents = toInvoroCents(minorUnits, this.currency);
    if (cents !== undefined) return cents;
    this.refusal ??= refuse(
      'currency_precision',
      `Invoro counts ${this.currency} in hundredths: ${what} (${formatMinorUnits(minorUnits, this.currency)} ${this.currency}) is not a whole number of them`,
    );
    return 0n;
  }

  fail(code: string, message: string): void {
    this.refusal ??= refuse(code, message);
  }
}

const decimalNumber = (text: string): JsonNumber => JsonNumber.unsafe(text);

const tax = (vat: ProviderVat): InvoroTax => ({
  tax_category: vat.category,
  // Category O ("not subject to VAT") has no rate; every other category has one, zero included.
  ...(vat.rate === undefined ? {} : { tax_rate: decimalNumber(vat.rate) }),
  ...(vat.exemptionReason === undefined ? {} : { tax_exemption_reason: vat.exemptionReason }),
  ...(vat.exemptionReasonCode === undefined ? {} : { tax_exemption_reason_code: vat.exemptionReasonCode }),
});

const scaled = (text: string) => {
  const parsed = parseDecimal(text);
  return E.isRight(parsed) ? toScaledInteger(parsed.right) : undefined;
};

/**
 * `price` (integer cents) and `base_quantity` for a line such that Invoro's `quantity × price ÷ base_quantity`
 * is our net amount: the real unit price when that holds without a rounding tie, else the net amount per
 * base quantity = |quantity|.
 */
export const invoroLinePrice = (
  line: Pick<ProviderLine, 'quantity' | 'unitPrice'>,
  netCents: bigint,
  pricesIncludeTax: boolean,
): { readonly price: bigint; readonly baseQuantity?: string } | undefined => {
  const quantity = scaled(line.quantity);
  if (quantity === undefined) return undefined;
  const unitPrice = pricesIncludeTax ? undefined : scaled(line.unitPrice);
  if (unitPrice !== undefined) {
    // unit price in cents = coefficient × 100 / 10^scale = price / 10^baseExponent
    const baseExponent = Math.max(0, unitPrice.scale - 2);
    const price = unitPrice.coefficient * pow10(Math.max(0, 2 - unitPrice.scale));
    const numerator = quantity.coefficient * price;
    const denominator = pow10(quantity.scale + baseExponent);
    const remainder = (numerator < 0n ? -numerator : numerator) % denominator;
    // On an exact half the providers' rounding modes differ; the fallback below needs none.
    const tie = remainder * 2n === denominator;
    if (!tie && roundQuotient(numerator, denominator, 'half_away_from_zero') === netCents) {
      return baseExponent === 0 ? { price } : { price, baseQuantity: pow10(baseExponent).toString() };
    }
  }
  if (quantity.coefficient === 0n) return netCents === 0n ? { price: 0n } : undefined;
  const negative = quantity.coefficient < 0n;
  return {
    price: negative ? -netCents : netCents,
    baseQuantity: negative ? line.quantity.slice(1) : line.quantity,
  };
};

const party = (customer: ProviderInvoice['customer']): InvoroParty => ({
  name: customer.name,
  ...(customer.vatNumber === undefined ? {} : { vat_number: customer.vatNumber }),
  ...(customer.address === undefined
    ? {}
    : {
        address: {
          street: customer.address.line1,
          ...(customer.address.line2 === undefined ? {} : { additional_line: customer.address.line2 }),
          city: customer.address.city,
          postal_code: customer.address.postalCode,
          country: customer.address.country,
        },
      }),
  ...(customer.email === undefined ? {} : { contact: { name: customer.name, email: customer.email } }),
});

const seller = (config: NonNullable<InvoroConnectionConfig['seller']>): InvoroParty => ({
  name: config.name,
  ...(config.legalName === undefined ? {} : { legal_name: config.legalName }),
  ...(config.tradingName === undefined ? {} : { trading_name: config.tradingName }),
  ...(config.vatNumber === undefined ? {} : { vat_number: config.vatNumber }),
  ...(config.endpointId === undefined ? {} : { endpoint_id: config.endpointId }),
  ...(config.companyId === undefined ? {} : { company_id: config.companyId }),
  ...(config.address === undefined
    ? {}
    : {
        address: {
          country: config.address.country,
          ...(config.address.street === undefined ? {} : { street: config.address.street }),
          ...(config.address.additionalLine === undefined
            ? {}
            : { additional_line: config.address.additionalLine }),
          ...(config.address.city === undefined ? {} : { city: config.address.city }),
          ...(config.address.subdivision === undefined ? {} : { subdivision: config.address.subdivision }),
          ...(config.address.postalCode === undefined ? {} : { postal_code: config.address.postalCode }),
        },
      }),
  ...(config.contact === undefined ? {} : { contact: config.contact }),
});

const payment = (
  means: NonNullable<InvoroConnectionConfig['paymentMeans']>,
): NonNullable<InvoroCreateBody['payment']> => ({
  ...(means.terms === undefined ? {} : { terms: means.terms }),
  payments: [
    {
      means_code: means.meansCode,
      bank_accounts: [
        {
          iban: means.iban,
          ...(means.bic === undefined ? {} : { bic: means.bic }),
          ...(means.accountName === undefined ? {} : { account_name: means.accountName }),
        },
      ],
    },
  ],
});

/** The create body, or the reason Invoro cannot carry the invoice exactly. */
export const toInvoroCreateBody = (
  invoice: ProviderInvoice,
  config: Pick<InvoroConnectionConfig, 'businessEntityId' | 'seller' | 'paymentMeans'>,
): E.Either<ProviderRejected, InvoroCreateBody> => {
  const mapper = new Mapper(invoice.currency);
  const items = invoice.lines.map((line, index): InvoroItem => {
    const netCents = mapper.cents(line.netAmount, `the net amount of line ${line.id}`);
    const priced = invoroLinePrice(line, netCents, invoice.pricesIncludeTax);
    if (priced === undefined) {
      mapper.fail('not_representable', `line ${line.id} has quantity 0 but a non-zero amount`);
    }
    const name = line.description === '' ? `Line ${index + 1}` : line.description;
    return {
      id: line.id,
      name: name.length > NAME_LIMIT ? `${name.slice(0, NAME_LIMIT - 1)}…` : name,
      ...(name.length > NAME_LIMIT ? { description: name } : {}),
      quantity: decimalNumber(line.quantity),
      unit_code: line.unitCode ?? 'C62',
      price: priced?.price ?? 0n,
      ...(priced?.baseQuantity === undefined ? {} : { base_quantity: decimalNumber(priced.baseQuantity) }),
      ...tax(line.vat),
    };
  });
  const documentEntry =
    (kind: string) =>
    (entry: ProviderAllowanceCharge, index: number): InvoroAllowanceCharge => ({
      reason: entry.reason,
      amount: mapper.cents(entry.amount, `document ${kind} ${index + 1}`),
      ...tax(entry.vat),
    });
  const allowances = invoice.allowances.map(documentEntry('allowance'));
  const charges = invoice.charges.map(documentEntry('charge'));
  const taxBreakdown = invoice.vatBreakdown.map((group) => ({
    category_code: group.vat.category,
    ...(group.vat.rate === undefined ? {} : { rate: decimalNumber(group.vat.rate) }),
    taxable_amount: mapper.cents(
      group.taxableAmount,
      `the taxable amount of VAT group ${group.vat.category}`,
    ),
    tax_amount: mapper.cents(group.taxAmount, `the VAT of group ${group.vat.category}`),
    ...(group.vat.exemptionReason === undefined ? {} : { exemption_reason: group.vat.exemptionReason }),
    ...(group.vat.exemptionReasonCode === undefined
      ? {}
      : { exemption_reason_code: group.vat.exemptionReasonCode }),
  }));
  const { totals } = invoice;
  const body: InvoroCreateBody = {
    calculate_totals: false,
    business_entity_id: config.businessEntityId,
    header: {
      invoice_number: invoice.number,
      invoice_type_code: '380',
      issue_date: invoroDateTime(invoice.issueDate),
      due_date: invoroDateTime(invoice.dueDate),
      currency: invoice.currency,
      ...(invoice.notes === undefined ? {} : { notes: [invoice.notes] }),
      ...(invoice.buyerReference === undefined ? {} : { buyer_reference: invoice.buyerReference }),
    },
    ...(config.seller === undefined ? {} : { seller: seller(config.seller) }),
    buyer: party(invoice.customer),
    ...(config.paymentMeans === undefined ? {} : { payment: payment(config.paymentMeans) }),
    items,
    allowances,
    charges,
    tax_breakdown: taxBreakdown,
    totals: {
      line_extension_amount: mapper.cents(totals.lineExtensionAmount, 'the sum of line amounts'),
      tax_exclusive_amount: mapper.cents(totals.taxExclusiveAmount, 'the total without VAT'),
      tax_inclusive_amount: mapper.cents(totals.taxInclusiveAmount, 'the total with VAT'),
      tax_amount: mapper.cents(totals.taxAmount, 'the VAT total'),
      allowance_total_amount: mapper.cents(totals.allowanceTotalAmount, 'the allowance total'),
      charge_total_amount: mapper.cents(totals.chargeTotalAmount, 'the charge total'),
      paid_amount: mapper.cents(totals.prepaidAmount, 'the prepaid amount'),
      payable_rounding_amount: mapper.cents(totals.payableRoundingAmount, 'the payable rounding'),
      payable_amount: mapper.cents(totals.payableAmount, 'the amount due'),
    },
  };
  return mapper.refusal === undefined ? E.right(body) : E.left(mapper.refusal);
};
