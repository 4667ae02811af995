import * as E from 'fp-ts/lib/Either.js';

import type { CurrencyCode } from '../money/currency.js';
import { currencyExponent } from '../money/currency.js';
import type { Decimal } from '../money/decimal.js';
import { ONE, ZERO, pow10, toScaledInteger } from '../money/decimal.js';
import { toMinorUnits } from '../money/amount.js';
import type { RoundingMode } from '../money/rounding.js';
import { DEFAULT_ROUNDING_MODE, roundQuotient } from '../money/rounding.js';
import { allocateLargestRemainder } from './allocation.js';
import type {
  AllowanceChargeInput,
  DocumentAllowanceChargeInput,
  InvoiceCalculationInput,
  LineInput,
} from './input.js';
import type { CalculationIssue, InvalidCalculationInput } from './issues.js';
import { invalidCalculationInput } from './issues.js';
import type { VatKey } from './vat.js';
import { checkVat, isVatKey, vatKeyId } from './vat.js';

/** An allowance or charge with its amount computed, in minor units. */
export interface CalculatedAllowanceCharge {
  /** BT-92/99 (document) or BT-136/141 (line). Net of VAT, except on tax-inclusive lines. */
  readonly amount: bigint;
  readonly percent?: Decimal;
  /** The base the percentage was applied to (BT-93/100/137/142). */
  readonly baseAmount?: bigint;
  readonly reason?: string;
  readonly reasonCode?: string;
}

export interface CalculatedDocumentAllowanceCharge extends CalculatedAllowanceCharge {
  readonly vat: VatKey;
  /** On a tax-inclusive invoice: the amount as entered, VAT included; `amount` is its derived net. */
  readonly inclusiveAmount?: bigint;
}

export interface CalculatedLine {
  readonly id: string;
  readonly quantity: Decimal;
  readonly baseQuantity: Decimal;
  /** BT-146: net price (gross price less price discount). VAT-inclusive when `pricesIncludeTax`. */
  readonly netPrice: Decimal;
  /** round(quantity × net price ÷ base quantity), before line allowances and charges. */
  readonly lineAmount: bigint;
  readonly allowances: ReadonlyArray<CalculatedAllowanceCharge>;
  readonly charges: ReadonlyArray<CalculatedAllowanceCharge>;
  /** BT-131: line net amount, VAT excluded (derived exactly from the inclusive amount where prices include VAT). */
  readonly netAmount: bigint;
  /** On a tax-inclusive line: line amount − allowances + charges, VAT included. */
  readonly inclusiveAmount?: bigint;
  readonly vat: VatKey;
  readonly pricesIncludeTax: boolean;
}

/** BG-23: one VAT breakdown per category and rate. */
export interface VatBreakdownEntry {
  readonly category: VatKey['category'];
  readonly rate: Decimal | undefined;
  /** BT-116 */
  readonly taxableAmount: bigint;
  /** BT-117 */
  readonly taxAmount: bigint;
  readonly exemptionReason?: string;
  readonly exemptionReasonCode?: string;
}

/** BG-22: document totals, BT-106 to BT-115, in minor units. */
export interface DocumentTotals {
  readonly lineExtensionAmount: bigint;
  readonly allowanceTotalAmount: bigint;
  readonly chargeTotalAmount: bigint;
  readonly taxExclusiveAmount: bigint;
  readonly taxAmount: bigint;
  readonly taxInclusiveAmount: bigint;
  readonly prepaidAmount: bigint;
  readonly payableRoundingAmount: bigint;
  readonly payableAmount: bigint;
}

export interface InvoiceCalculation {
  readonly currency: CurrencyCode;
  readonly rounding: RoundingMode;
  readonly lines: ReadonlyArray<CalculatedLine>;
  readonly allowances: ReadonlyArray<CalculatedDocumentAllowanceCharge>;
  readonly charges: ReadonlyArray<CalculatedDocumentAllowanceCharge>;
  readonly vatBreakdown: ReadonlyArray<VatBreakdownEntry>;
  readonly totals: DocumentTotals;
}

/**
 * Computes an invoice's line nets, VAT breakdown and totals with EN 16931 semantics, exactly.
 *
 * Rounding happens at these points only, each with `rounding` (default half away from zero), to whole minor
 * units of the currency: (a) each line amount, quantity × net price ÷ base quantity; (b) each percentage
 * allowance or charge; (c) the VAT of each category and rate, computed once on its summed taxable amount
 * (BR-CO-17, BR-S-08); (d) on tax-inclusive prices, the VAT contained in each category's inclusive total.
 * Every other figure is an exact sum of those.
 */
export const calculateInvoice = (
  input: InvoiceCalculationInput,
  options: { readonly rounding?: RoundingMode } = {},
): E.Either<InvalidCalculationInput, InvoiceCalculation> => {
  const rounding = options.rounding ?? DEFAULT_ROUNDING_MODE;
  const context: Context = {
    currency: input.currency,
    exponent: currencyExponent(input.currency),
    rounding,
    issues: [],
  };
  const invoiceInclusive = input.pricesIncludeTax ?? false;

  const lines = input.lines.map((line, index) =>
    priceLine(context, line, `lines[${index}]`, invoiceInclusive),
  );
  const defaultDocumentBase = lines.reduce((sum, line) => sum + (line?.enteredAmount ?? 0n), 0n);
  const allowances = (input.allowances ?? []).map((entry, index) =>
    priceDocumentEntry(context, entry, `allowances[${index}]`, defaultDocumentBase),
  );
  const charges = (input.charges ?? []).map((entry, index) =>
    priceDocumentEntry(context, entry, `charges[${index}]`, defaultDocumentBase),
  );
  const prepaidAmount = minorUnitsOrZero(context, input.prepaidAmount, 'prepaidAmount');
  const payableRoundingAmount = minorUnitsOrZero(
    context,
    input.payableRoundingAmount,
    'payableRoundingAmount',
  );

  if (context.issues.length > 0) return E.left(invalidCalculationInput(context.issues));
  const pricedLines = lines.filter((line): line is PricedLine => line !== undefined);
  const pricedAllowances = allowances.filter((entry): entry is PricedEntry => entry !== undefined);
  const pricedCharges = charges.filter((entry): entry is PricedEntry => entry !== undefined);

  const components: Component[] = [
    ...pricedLines.map((line): Component => ({
      vat: line.vat,
      signedEntered: line.enteredAmount,
      inclusive: line.pricesIncludeTax,
    })),
    ...pricedAllowances.map((entry): Component => ({
      vat: entry.vat,
      signedEntered: -entry.amount,
      inclusive: invoiceInclusive,
    })),
    ...pricedCharges.map((entry): Component => ({
      vat: entry.vat,
      signedEntered: entry.amount,
      inclusive: invoiceInclusive,
    })),
  ];
  const { signedNets, groups } = deriveNets(components, rounding);

  const lineNets = signedNets.slice(0, pricedLines.length);
  const allowanceNets = signedNets
    .slice(pricedLines.length, pricedLines.length + pricedAllowances.length)
    .map((n) => -n);
  const chargeNets = signedNets.slice(pricedLines.length + pricedAllowances.length);

  // Built field by field: rest/spread copies of these records dominated the profile of large invoices.
  const calculatedLines = pricedLines.map((line, i): CalculatedLine => {
    const calculated: { -readonly [K in keyof CalculatedLine]: CalculatedLine[K] } = {
      id: line.id,
      quantity: line.quantity,
      baseQuantity: line.baseQuantity,
      netPrice: line.netPrice,
      lineAmount: line.lineAmount,
      allowances: line.allowances,
      charges: line.charges,
      netAmount: lineNets[i] ?? 0n,
      vat: line.vat,
      pricesIncludeTax: line.pricesIncludeTax,
    };
    if (line.pricesIncludeTax) calculated.inclusiveAmount = line.enteredAmount;
    return calculated;
  });
  const documentEntry = (entry: PricedEntry, net: bigint | undefined): CalculatedDocumentAllowanceCharge =>
    invoiceInclusive
      ? { ...entry, amount: net ?? 0n, inclusiveAmount: entry.amount }
      : { ...entry, amount: net ?? 0n };
  const calculatedAllowances = pricedAllowances.map((entry, i) => documentEntry(entry, allowanceNets[i]));
  const calculatedCharges = pricedCharges.map((entry, i) => documentEntry(entry, chargeNets[i]));

  const exemptions = collectExemptions(input);
  const vatBreakdown = groups.map((group): VatBreakdownEntry => ({
    category: group.vat.category,
    rate: group.vat.rate,
    taxableAmount: group.taxableAmount,
    taxAmount: group.taxAmount,
    ...exemptions.get(vatKeyId(group.vat)),
  }));

  const lineExtensionAmount = sum(calculatedLines.map((line) => line.netAmount));
  const allowanceTotalAmount = sum(calculatedAllowances.map((entry) => entry.amount));
  const chargeTotalAmount = sum(calculatedCharges.map((entry) => entry.amount));
  const taxExclusiveAmount = lineExtensionAmount - allowanceTotalAmount + chargeTotalAmount;
  const taxAmount = sum(vatBreakdown.map((entry) => entry.taxAmount));
  const taxInclusiveAmount = taxExclusiveAmount + taxAmount;
  return E.right({
    currency: input.currency,
    rounding,
    lines: calculatedLines,
    allowances: calculatedAllowances,
    charges: calculatedCharges,
    vatBreakdown,
    totals: {
      lineExtensionAmount,
      allowanceTotalAmount,
      chargeTotalAmount,
      taxExclusiveAmount,
      taxAmount,
      taxInclusiveAmount,
      prepaidAmount,
      payableRoundingAmount,
      payableAmount: taxInclusiveAmount - prepaidAmount + payableRoundingAmount,
    },
  });
};

interface Context {
  readonly currency: CurrencyCode;
  readonly exponent: number;
  readonly rounding: RoundingMode;
  readonly issues: CalculationIssue[];
}

type PricedLine = Omit<CalculatedLine, 'netAmount' | 'inclusiveAmount'> & {
  /** line amount − allowances + charges, in the line's price basis (VAT-inclusive or not). */
  readonly enteredAmount: bigint;
};

type PricedEntry = CalculatedDocumentAllowanceCharge;

const sum = (values: ReadonlyArray<bigint>): bigint => values.reduce((total, value) => total + value, 0n);

const minorUnitsOrZero = (context: Context, value: Decimal | undefined, path: string): bigint => {
  if (value === undefined) return 0n;
  return minorUnits(context, value, path) ?? 0n;
};

const minorUnits = (context: Context, value: Decimal, path: string): bigint | undefined => {
  const result = toMinorUnits(value, context.currency);
  if (E.isRight(result)) return result.right;
  context.issues.push({
    path,
    code: 'amount_precision_exceeded',
    message: `${value.toFixed()} is not a whole number of ${context.currency} minor units (${context.exponent} decimals)`,
  });
  return undefined;
};

const resolveNetPrice = (context: Context, line: LineInput, path: string): Decimal | undefined => {
  const { netPrice, grossPrice, priceDiscount } = line;
  if (grossPrice === undefined) {
    if (netPrice === undefined) {
      context.issues.push({
        path: `${path}.netPrice`,
        code: 'price_missing',
        message: 'a line needs a net price or a gross price',
      });
      return undefined;
    }
    if (priceDiscount !== undefined && !priceDiscount.eq(ZERO)) {
      context.issues.push({
        path: `${path}.priceDiscount`,
        code: 'price_inconsistent',
        message: 'a price discount needs the gross price it applies to',
      });
    }
    return netPrice;
  }
  const derived = grossPrice.minus(priceDiscount ?? ZERO);
  if (netPrice !== undefined && !netPrice.eq(derived)) {
    context.issues.push({
      path: `${path}.netPrice`,
      code: 'price_inconsistent',
      message: `net price ${netPrice.toFixed()} is not gross price ${grossPrice.toFixed()} less discount ${(priceDiscount ?? ZERO).toFixed()}`,
    });
  }
  return derived;
};

const priceLine = (
  context: Context,
  line: LineInput,
  path: string,
  invoiceInclusive: boolean,
): PricedLine | undefined => {
  const issuesBefore = context.issues.length;
  const vat = checkVat(line.vat, `${path}.vat`);
  if (!isVatKey(vat)) context.issues.push(vat);
  const baseQuantity = line.baseQuantity ?? ONE;
  if (!baseQuantity.gt(ZERO)) {
    context.issues.push({
      path: `${path}.baseQuantity`,
      code: 'invalid_base_quantity',
      message: 'the base quantity must be above 0',
    });
  }
  const netPrice = resolveNetPrice(context, line, path);
  if (netPrice?.lt(ZERO) === true) {
    context.issues.push({
      path: `${path}.netPrice`,
      code: 'negative_price',
      message: 'a price cannot be negative (use a negative quantity)',
    });
  }
  if (context.issues.length > issuesBefore || netPrice === undefined || !isVatKey(vat)) return undefined;

  const lineAmount = multiplyToMinorUnits(context, [line.quantity, netPrice], baseQuantity);
  const allowances = (line.allowances ?? []).map((entry, i) =>
    priceAllowanceCharge(context, entry, `${path}.allowances[${i}]`, lineAmount),
  );
  const charges = (line.charges ?? []).map((entry, i) =>
    priceAllowanceCharge(context, entry, `${path}.charges[${i}]`, lineAmount),
  );
  if (context.issues.length > issuesBefore) return undefined;
  const pricedAllowances = allowances.filter(
    (entry): entry is CalculatedAllowanceCharge => entry !== undefined,
  );
  const pricedCharges = charges.filter((entry): entry is CalculatedAllowanceCharge => entry !== undefined);
  return {
    id: line.id,
    quantity: line.quantity,
    baseQuantity,
    netPrice,
    lineAmount,
    allowances: pricedAllowances,
    charges: pricedCharges,
    enteredAmount:
      lineAmount -
      sum(pricedAllowances.map((entry) => entry.amount)) +
      sum(pricedCharges.map((entry) => entry.amount)),
    vat,
    pricesIncludeTax: line.pricesIncludeTax ?? invoiceInclusive,
  };
};

/** round(Π factors × 10^exponent ÷ divisor) in minor units, computed on exact integers. */
const multiplyToMinorUnits = (
  context: Context,
  factors: ReadonlyArray<Decimal>,
  divisor: Decimal,
): bigint => {
  let numerator = pow10(context.exponent);
  let denominator = 1n;
  for (const factor of factors) {
    const scaled = toScaledInteger(factor);
    numerator *= scaled.coefficient;
    denominator *= pow10(scaled.scale);
  }
  const scaledDivisor = toScaledInteger(divisor);
  numerator *= pow10(scaledDivisor.scale);
  denominator *= scaledDivisor.coefficient;
  return roundQuotient(numerator, denominator, context.rounding);
};

const priceAllowanceCharge = (
  context: Context,
  entry: AllowanceChargeInput,
  path: string,
  defaultBase: bigint,
): CalculatedAllowanceCharge | undefined => {
  const described = {
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.reasonCode === undefined ? {} : { reasonCode: entry.reasonCode }),
  };
  if ('amount' in entry) {
    const amount = minorUnits(context, entry.amount, `${path}.amount`);
    return amount === undefined ? undefined : { amount, ...described };
  }
  if (entry.percent.lt(ZERO)) {
    context.issues.push({
      path: `${path}.percent`,
      code: 'negative_percentage',
      message: 'a percentage cannot be negative',
    });
    return undefined;
  }
  const baseAmount =
    entry.baseAmount === undefined
      ? defaultBase
      : minorUnits(context, entry.baseAmount, `${path}.baseAmount`);
  if (baseAmount === undefined) return undefined;
  const percent = toScaledInteger(entry.percent);
  const amount = roundQuotient(
    baseAmount * percent.coefficient,
    100n * pow10(percent.scale),
    context.rounding,
  );
  return { amount, percent: entry.percent, baseAmount, ...described };
};

const priceDocumentEntry = (
  context: Context,
  entry: DocumentAllowanceChargeInput,
  path: string,
  defaultBase: bigint,
): PricedEntry | undefined => {
  const vat = checkVat(entry.vat, `${path}.vat`);
  if (!isVatKey(vat)) {
    context.issues.push(vat);
    return undefined;
  }
  const priced = priceAllowanceCharge(context, entry, path, defaultBase);
  return priced === undefined ? undefined : { ...priced, vat };
};

/** A signed contribution to a VAT group: a line (+), a document charge (+) or a document allowance (−). */
interface Component {
  readonly vat: VatKey;
  readonly signedEntered: bigint;
  readonly inclusive: boolean;
}

interface VatGroup {
  readonly vat: VatKey;
  readonly taxableAmount: bigint;
  readonly taxAmount: bigint;
}

/**
 * Turns every component's entered amount into its net amount and computes the VAT of each group.
 *
 * Exclusive amounts are already net. Within a VAT group, the tax-inclusive components are summed (G) and the
 * VAT they contain is extracted once: the group net N is chosen so that N + round(N × rate) = G, which keeps
 * the inclusive total exact and the VAT equal to round(taxable × rate) as EN 16931 states it. For the rare G
 * that no N reaches (the rounding steps over it), N = G − round(G × rate ÷ (100 + rate)) and the VAT is G − N,
 * one minor unit from round(N × rate), inside the BR-CO-17 tolerance: the customer's total stays what the
 * prices said. N is then spread over the components by largest remainder.
 */
const deriveNets = (
  components: ReadonlyArray<Component>,
  rounding: RoundingMode,
): { signedNets: bigint[]; groups: VatGroup[] } => {
  const signedNets = components.map((component) => component.signedEntered);
  const byGroup = new Map<string, { vat: VatKey; members: number[] }>();
  components.forEach((component, index) => {
    const id = vatKeyId(component.vat);
    const group = byGroup.get(id) ?? { vat: component.vat, members: [] };
    group.members.push(index);
    byGroup.set(id, group);
  });

  const groups: VatGroup[] = [];
  for (const { vat, members } of byGroup.values()) {
    const rate = toScaledInteger(vat.rate ?? ZERO);
    const rateDenominator = 100n * pow10(rate.scale);
    const taxOn = (base: bigint): bigint => roundQuotient(base * rate.coefficient, rateDenominator, rounding);

    const inclusiveMembers = members.filter((index) => components[index]?.inclusive === true);
    let inclusiveTaxOverride: bigint | undefined;
    if (inclusiveMembers.length > 0 && rate.coefficient !== 0n) {
      const gross = sum(inclusiveMembers.map((index) => components[index]?.signedEntered ?? 0n));
      const { net, exact } = netFromInclusive(gross, rate.coefficient, rateDenominator, rounding);
      const grossDenominator = rateDenominator + rate.coefficient;
      const shares = allocateLargestRemainder(
        inclusiveMembers.map((index) => (components[index]?.signedEntered ?? 0n) * rateDenominator),
        grossDenominator,
        net,
      );
      inclusiveMembers.forEach((index, i) => {
        signedNets[index] = shares[i] ?? 0n;
      });
      if (!exact && inclusiveMembers.length === members.length) inclusiveTaxOverride = gross - net;
    }
    const taxableAmount = sum(members.map((index) => signedNets[index] ?? 0n));
    groups.push({ vat, taxableAmount, taxAmount: inclusiveTaxOverride ?? taxOn(taxableAmount) });
  }
  return { signedNets, groups };
};

/** The net N contained in an inclusive total G at rate r = rateNumerator / rateDenominator × 100 %. */
const netFromInclusive = (
  gross: bigint,
  rateNumerator: bigint,
  rateDenominator: bigint,
  rounding: RoundingMode,
): { net: bigint; exact: boolean } => {
  const taxOn = (base: bigint): bigint => roundQuotient(base * rateNumerator, rateDenominator, rounding);
  const first = gross - roundQuotient(gross * rateNumerator, rateDenominator + rateNumerator, rounding);
  for (const candidate of [first, first - 1n, first + 1n]) {
    if (candidate + taxOn(candidate) === gross) return { net: candidate, exact: true };
  }
  return { net: first, exact: false };
};

const collectExemptions = (
  input: InvoiceCalculationInput,
): Map<string, { exemptionReason?: string; exemptionReasonCode?: string }> => {
  const found = new Map<string, { exemptionReason?: string; exemptionReasonCode?: string }>();
  const sources = [
    ...input.lines.map((line) => line.vat),
    ...(input.allowances ?? []).map((a) => a.vat),
    ...(input.charges ?? []).map((c) => c.vat),
  ];
  for (const vat of sources) {
    if (vat.exemptionReason === undefined && vat.exemptionReasonCode === undefined) continue;
    const checked = checkVat(vat, '');
    if (!isVatKey(checked)) continue;
    const id = vatKeyId(checked);
    if (found.has(id)) continue;
    found.set(id, {
      ...(vat.exemptionReason === undefined ? {} : { exemptionReason: vat.exemptionReason }),
      ...(vat.exemptionReasonCode === undefined ? {} : { exemptionReasonCode: vat.exemptionReasonCode }),
    });
  }
  return found;
};
