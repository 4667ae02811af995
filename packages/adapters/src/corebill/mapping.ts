import type { CurrencyCode, RoundingMode, ScaledInteger } from '@accrue/domain';
import {
  currencyExponent,
  formatMinorUnits,
  parseDecimal,
  pow10,
  roundQuotient,
  toScaledInteger,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import { JsonNumber } from '../providers/exactJson.js';
import type { ProviderInvoice, ProviderLine, ProviderRejected } from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import type { CorebillConnectionConfig } from './config.js';

/**
 * Our approved invoice as Corebill's `POST /v1/invoices` body (ADR 16).
 *
 * Corebill computes the totals itself, from major-unit decimals and ONE invoice-level rate: subtotal (Σ quantity ×
 * unit price), minus the discount, plus `tax_rate` % of the discounted amount. We never send an invoice whose
 * Corebill total would differ from ours. Its docs do not say to how many decimals it rounds, nor how, so we
 * predict its figures under every reading (two decimals, or the currency's own; half up, or half away from zero)
 * and require all of them to give our totals:
 *
 * - **native**: a single VAT rate, and Corebill's computation gives our lines, VAT and total → sent with
 *   `tax_rate` = that rate and the document allowances as one fixed discount; Corebill's own tax figure is right.
 * - **itemised** (default for everything else): the same lines, then one line per VAT rate carrying that rate's
 *   tax, with `tax_rate: 0`; the total is exact, but Corebill's tax field reads 0 (config `taxMapping: refuse`
 *   refuses such invoices instead, `not_representable`).
 *
 * Lines keep their quantity and unit price when Corebill's `quantity × unit_price` is the line net amount under
 * every reading; otherwise (tax-inclusive prices, line allowances, sub-cent prices, rounding) a line is sent as
 * quantity 1 at its net amount, with the quantity and price in its description. Amounts are written as exact
 * decimal text (`stringifyExactJson`), never through a JS number; an amount finer than two decimals is refused
 * (`currency_precision`), as is one finer than the currency.
 */

export interface CorebillLineItem {
  readonly item_name: string;
  readonly description?: string;
  readonly quantity: JsonNumber;
  readonly unit?: string;
  readonly unit_price: JsonNumber;
}

export interface CorebillCreateBody {
  readonly customer_id: string;
  readonly issue_date: string;
  readonly due_date: string;
  readonly currency: string;
  readonly notes: string;
  readonly tax_rate: JsonNumber;
  readonly discount_type?: 'fixed';
  readonly discount_value?: JsonNumber;
  readonly line_items: ReadonlyArray<CorebillLineItem>;
}

export interface CorebillCreatePlan {
  readonly body: CorebillCreateBody;
  readonly mode: 'native' | 'itemised';
  readonly currency: CurrencyCode;
  /** Corebill's total for this body, in minor units: always our payable amount. */
  readonly total: bigint;
}

/** The line of `notes` that carries our number: the look-up before create matches on it. */
export const corebillReferenceLine = (number: string): string => `Invoice reference: ${number}`;

/** The `reference` of payments we record: the webhook verifier ignores them (they came from us). */
export const ACCRUE_PAYMENT_REFERENCE_PREFIX = 'accrue:';
export const corebillPaymentReference = (paymentId: string): string =>
  `${ACCRUE_PAYMENT_REFERENCE_PREFIX}${paymentId}`;

const refuse = (code: string, message: string): ProviderRejected =>
  providerRejected({ provider: 'corebill', operation: 'issue', code, message });

const ROUNDING_MODES: ReadonlyArray<RoundingMode> = ['half_up', 'half_away_from_zero'];

/** Decimal places Corebill may round to: two, or the currency's own. */
const scalesOf = (currency: CurrencyCode): ReadonlyArray<number> => [
  ...new Set([2, currencyExponent(currency)]),
];

/** Decimal places every amount we send must fit (so that no reading rounds it). */
const sendScale = (currency: CurrencyCode): number => Math.min(2, currencyExponent(currency));

/** Minor units → Corebill major-unit decimal text; `undefined` when finer than two decimals. */
export const corebillAmount = (minorUnits: bigint, currency: CurrencyCode): JsonNumber | undefined => {
  const exponent = currencyExponent(currency);
  const scale = sendScale(currency);
  if (minorUnits % pow10(exponent - scale) !== 0n) return undefined;
  return JsonNumber.unsafe(formatMinorUnits(minorUnits, currency));
};

/** Corebill's major-unit decimal → minor units of `currency`; `undefined` when not a whole number of them. */
export const fromCorebillAmount = (text: string, currency: CurrencyCode): bigint | undefined => {
  const parsed = parseDecimal(text);
  if (E.isLeft(parsed)) return undefined;
  const { coefficient, scale } = toScaledInteger(parsed.right);
  const exponent = currencyExponent(currency);
  if (scale <= exponent) return coefficient * pow10(exponent - scale);
  const divisor = pow10(scale - exponent);
  return coefficient % divisor === 0n ? coefficient / divisor : undefined;
};

/** A line as sent, with the exact decimals Corebill will multiply. */
interface PlannedLine {
  readonly item: CorebillLineItem;
  readonly quantity: ScaledInteger;
  readonly unitPrice: ScaledInteger;
}

const scaled = (text: string): ScaledInteger | undefined => {
  const parsed = parseDecimal(text);
  return E.isRight(parsed) ? toScaledInteger(parsed.right) : undefined;
};

/** `value × 10^-scale` rounded to `places` decimals, in units of 10^-fine. */
const roundTo = (
  numerator: bigint,
  scale: number,
  places: number,
  fine: number,
  mode: RoundingMode,
): bigint =>
  places >= scale
    ? numerator * pow10(fine - scale)
    : roundQuotient(numerator, pow10(scale - places), mode) * pow10(fine - places);

interface Prediction {
  readonly lines: ReadonlyArray<bigint>;
  readonly tax: bigint;
  readonly total: bigint;
}

/** Corebill's documented computation under one reading, in units of 10^-fine of the major unit. */
const predict = (
  lines: ReadonlyArray<PlannedLine>,
  discountFine: bigint,
  rate: ScaledInteger,
  places: number,
  fine: number,
  mode: RoundingMode,
): Prediction => {
  const amounts = lines.map((line) =>
    roundTo(
      line.quantity.coefficient * line.unitPrice.coefficient,
      line.quantity.scale + line.unitPrice.scale,
      places,
      fine,
      mode,
    ),
  );
  const subtotal = amounts.reduce((sum, amount) => sum + amount, 0n);
  const taxable = subtotal - discountFine;
  // taxable × 10^-fine × rate.coefficient × 10^-rate.scale ÷ 100, rounded to `places`
  const tax = roundTo(taxable * rate.coefficient, fine + rate.scale + 2, places, fine, mode);
  return { lines: amounts, tax, total: taxable + tax };
};

/** True when every reading of Corebill's computation gives `expected` (all in units of 10^-fine). */
const agreesEverywhere = (
  currency: CurrencyCode,
  lines: ReadonlyArray<PlannedLine>,
  discountFine: bigint,
  rate: ScaledInteger,
  expected: { readonly lines?: ReadonlyArray<bigint>; readonly tax: bigint; readonly total: bigint },
): boolean => {
  const fine = Math.max(2, currencyExponent(currency));
  return scalesOf(currency).every((places) =>
    ROUNDING_MODES.every((mode) => {
      const prediction = predict(lines, discountFine, rate, places, fine, mode);
      return (
        prediction.tax === expected.tax &&
        prediction.total === expected.total &&
        (expected.lines === undefined || expected.lines.every((amount, i) => prediction.lines[i] === amount))
      );
    }),
  );
};

const ONE: ScaledInteger = { coefficient: 1n, scale: 0 };
const ZERO_RATE: ScaledInteger = { coefficient: 0n, scale: 0 };

/** Builds the create body, or says why Corebill cannot carry the invoice exactly. */
export const planCorebillInvoice = (
  invoice: ProviderInvoice,
  config: Pick<CorebillConnectionConfig, 'customers' | 'taxMapping'>,
): E.Either<ProviderRejected, CorebillCreatePlan> => {
  const { currency } = invoice;
  const customerId = config.customers[invoice.customer.id];
  if (customerId === undefined) {
    return E.left(
      refuse(
        'customer_not_mapped',
        `customer ${invoice.customer.id} has no Corebill customer id in the connection settings`,
      ),
    );
  }
  const exponent = currencyExponent(currency);
  const fine = Math.max(2, exponent);
  const toFine = (minorUnits: bigint) => minorUnits * pow10(fine - exponent);
  // Every amount that does not fit, in order; the first one is reported.
  const precisionErrors: ProviderRejected[] = [];
  const amount = (minorUnits: bigint, what: string): JsonNumber => {
    const text = corebillAmount(minorUnits, currency);
    if (text !== undefined) return text;
    precisionErrors.push(
      refuse(
        'currency_precision',
        `Corebill amounts have at most two decimals: ${what} (${formatMinorUnits(minorUnits, currency)} ${currency}) does not fit`,
      ),
    );
    return JsonNumber.unsafe('0');
  };

  const fixedLine = (name: string, minorUnits: bigint, what: string, description?: string): PlannedLine => {
    const price = amount(minorUnits, what);
    return {
      item: {
        item_name: name,
        ...(description === undefined ? {} : { description }),
        quantity: JsonNumber.unsafe('1'),
        unit_price: price,
      },
      quantity: ONE,
      unitPrice: scaled(price.text) ?? ONE,
    };
  };

  const planLine = (line: ProviderLine): PlannedLine => {
    // Corebill requires a name; a line entered without a description gets one.
    const name = line.description === '' ? `Line ${line.id}` : line.description;
    const quantity = scaled(line.quantity);
    const unitPrice = invoice.pricesIncludeTax ? undefined : scaled(line.unitPrice);
    if (
      quantity !== undefined &&
      unitPrice !== undefined &&
      quantity.coefficient > 0n &&
      quantity.scale <= 2 &&
      unitPrice.scale <= sendScale(currency)
    ) {
      const candidate: PlannedLine = {
        item: {
          item_name: name,
          quantity: JsonNumber.unsafe(line.quantity),
          ...(line.unitCode === undefined ? {} : { unit: line.unitCode }),
          unit_price: JsonNumber.unsafe(line.unitPrice),
        },
        quantity,
        unitPrice,
      };
      const net = toFine(line.netAmount);
      if (agreesEverywhere(currency, [candidate], 0n, ZERO_RATE, { lines: [net], tax: 0n, total: net })) {
        return candidate;
      }
    }
    const note = `${line.quantity}${line.unitCode === undefined ? '' : ` ${line.unitCode}`} × ${line.unitPrice}${invoice.pricesIncludeTax ? ' incl. VAT' : ''}`;
    return fixedLine(name, line.netAmount, `the net amount of line ${line.id}`, note);
  };

  const lines = [
    ...invoice.lines.map(planLine),
    ...invoice.charges.map((charge, i) =>
      fixedLine(charge.reason === '' ? 'Charge' : charge.reason, charge.amount, `charge ${i + 1}`),
    ),
  ];
  const discount = invoice.allowances.reduce((sum, allowance) => sum + allowance.amount, 0n);
  const discountValue = amount(discount, 'the document allowances');
  const { totals } = invoice;
  const linePrecision = precisionErrors[0];
  if (linePrecision !== undefined) return E.left(linePrecision);

  const notes = [
    corebillReferenceLine(invoice.number),
    ...(invoice.buyerReference === undefined ? [] : [`Your reference: ${invoice.buyerReference}`]),
    ...(invoice.notes === undefined ? [] : ['', invoice.notes]),
  ].join('\n');
  const body = (items: ReadonlyArray<PlannedLine>, rate: string): CorebillCreateBody => ({
    customer_id: customerId,
    issue_date: invoice.issueDate,
    due_date: invoice.dueDate,
    currency,
    notes,
    tax_rate: JsonNumber.unsafe(rate),
    ...(discount === 0n ? {} : { discount_type: 'fixed' as const, discount_value: discountValue }),
    line_items: items.map((line) => line.item),
  });

  const [group, ...otherGroups] = invoice.vatBreakdown;
  const rate = group?.vat.rate ?? '0';
  const rateScaled = scaled(rate);
  if (
    group !== undefined &&
    otherGroups.length === 0 &&
    rateScaled !== undefined &&
    totals.prepaidAmount === 0n &&
    totals.payableRoundingAmount === 0n &&
    agreesEverywhere(currency, lines, toFine(discount), rateScaled, {
      tax: toFine(group.taxAmount),
      total: toFine(totals.payableAmount),
    })
  ) {
    return E.right({ body: body(lines, rate), mode: 'native', currency, total: totals.payableAmount });
  }

  const why =
    invoice.vatBreakdown.length > 1
      ? `it has ${invoice.vatBreakdown.length} VAT rates and Corebill applies one per invoice`
      : "Corebill's one-rate computation would not give our VAT and total to the cent";
  if (config.taxMapping === 'refuse') {
    return E.left(
      refuse('not_representable', `invoice ${invoice.number} cannot be sent to Corebill exactly: ${why}`),
    );
  }
  if (totals.prepaidAmount !== 0n) {
    return E.left(
      refuse(
        'not_representable',
        `invoice ${invoice.number} has a prepaid amount, which Corebill cannot carry`,
      ),
    );
  }
  const taxLines = invoice.vatBreakdown
    .filter((entry) => entry.taxAmount !== 0n)
    .map((entry) =>
      fixedLine(
        `VAT ${entry.vat.rate ?? '0'}%${entry.vat.category === 'S' ? '' : ` (${entry.vat.category})`}`,
        entry.taxAmount,
        `the VAT at ${entry.vat.rate ?? '0'}%`,
        `on ${formatMinorUnits(entry.taxableAmount, currency)} ${currency}`,
      ),
    );
  const roundingLines =
    totals.payableRoundingAmount === 0n
      ? []
      : [fixedLine('Rounding', totals.payableRoundingAmount, 'the payable rounding')];
  const itemised = [...lines, ...taxLines, ...roundingLines];
  const taxPrecision = precisionErrors[0];
  if (taxPrecision !== undefined) return E.left(taxPrecision);
  if (
    !agreesEverywhere(currency, itemised, toFine(discount), ZERO_RATE, {
      tax: 0n,
      total: toFine(totals.payableAmount),
    })
  ) {
    return E.left(
      refuse('not_representable', `invoice ${invoice.number} cannot be itemised exactly for Corebill`),
    );
  }
  return E.right({ body: body(itemised, '0'), mode: 'itemised', currency, total: totals.payableAmount });
};
