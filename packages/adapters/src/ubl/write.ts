import type {
  CalculatedAllowanceCharge,
  CalculatedLine,
  CreditNoteIssued,
  CurrencyCode,
  Customer,
  Decimal,
  DecimalString,
  DraftInvoice,
  FrozenTotals,
  FrozenVatBreakdownEntry,
  InvoiceCalculation,
  InvoiceCalculationInput,
  IssuedInvoice,
  LineInput,
  RoundingMode,
  VatBreakdownEntry,
  VatCategoryCode,
  VatKey,
} from '@accrue/domain';
import {
  ONE,
  ZERO,
  calculateInvoice,
  currencyExponent,
  formatMinorUnits,
  parseMinorUnits,
  thawDecimal,
  toCalculationInput,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

import type { UblWriteError } from './writeErrors.js';
import {
  currencyPrecisionUnsupported,
  frozenTotalsNotReproduced,
  invoiceNotCalculable,
  missingBusinessTerm,
} from './writeErrors.js';
import type { UblPostalAddress, UblSeller } from './writeModel.js';
import { PEPPOL_BIS3_CUSTOMIZATION_ID, PEPPOL_BIS3_PROFILE_ID } from './writeModel.js';
import type { XmlNode } from './writeXml.js';
import { leaf, node, serialiseXml } from './writeXml.js';

/**
 * What the REST route and the CLI pass to export an invoice (draft or issued) as UBL.
 *
 * - `invoice`: the folded invoice stream (`stateAsOf(...).state`, minus `NoInvoice`, which the caller turns into
 *   "not found"). A draft is written with its computed totals and its id as `cbc:ID` (BT-1); an issued invoice
 *   with its number, and its frozen totals, which the recalculation must reproduce (else
 *   `FrozenTotalsNotReproduced`). Content of `documentType: 'credit_note'` is written as a UBL `CreditNote`.
 * - `seller`: the tenant (BG-4), decoded with the `UblSeller` codec; mandatory, there is no default seller.
 * - `buyerAddress`: used only when the customer has no postal address (BT-55 buyer country is mandatory).
 */
export interface WriteUblForInvoiceInput {
  readonly invoice: DraftInvoice | IssuedInvoice;
  readonly seller: UblSeller;
  readonly buyerAddress?: UblPostalAddress;
}

/**
 * What it takes to export an issued credit note (`CreditNoteIssued`): the event's data, the customer of the
 * invoice it credits (the credit note stream does not repeat it), the seller, and optionally a buyer address
 * for a customer without one. `cbc:ID` is the credit note's number, BT-25 the credited invoice's number.
 */
export interface WriteUblForCreditNoteInput {
  readonly creditNote: CreditNoteIssued['data'];
  readonly customer: Customer;
  readonly seller: UblSeller;
  readonly buyerAddress?: UblPostalAddress;
}

/**
 * An invoice as UBL 2.1 XML in the Peppol BIS Billing 3.0 customisation of EN 16931 (`Invoice`, type code 380;
 * `CreditNote`, 381, for credit-note content). Pure: the same input always gives the same text.
 *
 * Lines, allowances, charges, VAT breakdown and totals come from `calculateInvoice` on the content with the
 * invoice's own rounding mode, so every stated amount is what Accrue computes and recomputing the document
 * reproduces it exactly. Amounts are written in the currency's scale (`1200` JPY, `12.50` EUR); a currency
 * with more than 2 decimals is refused (BR-DEC). Tax-inclusive lines are written with their derived net
 * amount as price and their quantity as base quantity, which states the net exactly.
 *
 * Refused, as tagged errors: a 3- or 4-decimal currency, content that does not calculate, frozen totals the
 * calculation no longer reproduces, and a missing mandatory business term (item name BT-153, buyer country
 * BT-55, seller VAT identifier BT-31 where a VAT category needs it).
 */
export const writeUblForInvoice = (input: WriteUblForInvoiceInput): E.Either<UblWriteError, string> => {
  const { invoice } = input;
  const { content } = invoice;
  const kind: DocumentKind = content.documentType === 'credit_note' ? 'CreditNote' : 'Invoice';
  return writeUbl({
    kind,
    id: invoice._tag === 'IssuedInvoice' ? invoice.number : invoice.invoiceId,
    issueDate: content.issueDate,
    dueDate: content.dueDate,
    currency: content.currency,
    ...(content.notes === undefined ? {} : { note: content.notes }),
    ...(content.reference === undefined ? {} : { buyerReference: content.reference }),
    seller: input.seller,
    customer: content.customer,
    ...(input.buyerAddress === undefined ? {} : { buyerAddress: input.buyerAddress }),
    input: toCalculationInput(content),
    rounding: content.rounding,
    ...(invoice._tag === 'IssuedInvoice'
      ? { frozen: { totals: invoice.totals, vatBreakdown: invoice.vatBreakdown } }
      : {}),
  });
};

/** An issued credit note as a UBL 2.1 `CreditNote` (381), under the same rules as {@link writeUblForInvoice}. */
export const writeUblForCreditNote = (input: WriteUblForCreditNoteInput): E.Either<UblWriteError, string> => {
  const { creditNote } = input;
  const { content } = creditNote;
  return writeUbl({
    kind: 'CreditNote',
    id: creditNote.number,
    issueDate: creditNote.issueDate,
    currency: creditNote.currency,
    note: creditNote.reason,
    billingReference: creditNote.invoiceNumber,
    // BR-CO-25 wants payment terms or a due date when an amount is due; a credit note settles against its invoice.
    paymentTerms: `Credited against invoice ${creditNote.invoiceNumber}`,
    seller: input.seller,
    customer: input.customer,
    ...(input.buyerAddress === undefined ? {} : { buyerAddress: input.buyerAddress }),
    input: {
      currency: creditNote.currency,
      lines: content.lines,
      allowances: content.allowances,
      charges: content.charges,
      pricesIncludeTax: content.pricesIncludeTax,
    },
    rounding: content.rounding,
    frozen: { totals: creditNote.totals, vatBreakdown: creditNote.vatBreakdown },
  });
};

type DocumentKind = 'Invoice' | 'CreditNote';

/** Everything a document is written from, whichever aggregate it comes from. */
interface ExportSource {
  readonly kind: DocumentKind;
  readonly id: string;
  readonly issueDate: string;
  readonly dueDate?: string;
  readonly currency: CurrencyCode;
  readonly note?: string;
  readonly buyerReference?: string;
  readonly billingReference?: string;
  readonly paymentTerms?: string;
  readonly seller: UblSeller;
  readonly customer: Customer;
  readonly buyerAddress?: UblPostalAddress;
  readonly input: InvoiceCalculationInput;
  readonly rounding: RoundingMode;
  readonly frozen?: {
    readonly totals: FrozenTotals;
    readonly vatBreakdown: ReadonlyArray<FrozenVatBreakdownEntry>;
  };
}

/** A postal address with plain strings, from either the customer's address or a `UblPostalAddress`. */
interface AddressLines {
  readonly streetName?: string;
  readonly additionalStreetName?: string;
  readonly cityName?: string;
  readonly postalZone?: string;
  readonly countrySubentity?: string;
  readonly countryCode: string;
}

const writeUbl = (source: ExportSource): E.Either<UblWriteError, string> => {
  const exponent = currencyExponent(source.currency);
  if (exponent > 2) return E.left(currencyPrecisionUnsupported(source.currency, exponent));
  return pipe(
    calculateInvoice(source.input, { rounding: source.rounding }),
    E.mapLeft((error) => invoiceNotCalculable(error.issues)),
    E.flatMap((calculation) => checkFrozen(source, calculation)),
    E.flatMap((calculation) =>
      pipe(
        checkMandatory(source, calculation),
        E.map((buyerAddress) => serialiseXml(documentNode(source, calculation, buyerAddress))),
      ),
    ),
  );
};

// ---------------------------------------------------------------------------------------------------------
// Checks

const TOTAL_KEYS: ReadonlyArray<keyof FrozenTotals & keyof InvoiceCalculation['totals']> = [
  'lineExtensionAmount',
  'allowanceTotalAmount',
  'chargeTotalAmount',
  'taxExclusiveAmount',
  'taxAmount',
  'taxInclusiveAmount',
  'prepaidAmount',
  'payableRoundingAmount',
  'payableAmount',
];

/** A frozen amount with more decimals than the currency has never matches. */
const sameFrozen = (frozen: DecimalString, computed: bigint, currency: CurrencyCode): boolean => {
  const units = parseMinorUnits(frozen, currency);
  return E.isRight(units) && units.right === computed;
};

/** Paired by category and numeric rate (`25` = `25.00`); category O has no rate. */
const sameVat = (entry: FrozenVatBreakdownEntry, key: VatKey): boolean =>
  entry.category === key.category &&
  (entry.rate === undefined ? ZERO : thawDecimal(entry.rate)).eq(key.rate ?? ZERO);

/**
 * Issued documents: what the customer was told is frozen. The lines are written from the recalculation, so it
 * must reproduce every frozen total and VAT breakdown entry, or the document would contradict itself.
 */
const checkFrozen = (
  source: ExportSource,
  calculation: InvoiceCalculation,
): E.Either<UblWriteError, InvoiceCalculation> => {
  const { frozen, currency } = source;
  if (frozen === undefined) return E.right(calculation);
  const differences: Array<{ what: string; frozen: string | null; computed: string | null }> = [];
  for (const key of TOTAL_KEYS) {
    const computed = calculation.totals[key];
    if (!sameFrozen(frozen.totals[key], computed, currency)) {
      differences.push({
        what: key,
        frozen: frozen.totals[key],
        computed: formatMinorUnits(computed, currency),
      });
    }
  }
  const unmatched = [...calculation.vatBreakdown];
  for (const entry of frozen.vatBreakdown) {
    const index = unmatched.findIndex((computed) => sameVat(entry, computed));
    const computed = index < 0 ? undefined : unmatched.splice(index, 1)[0];
    const name = `vat ${entry.category} ${entry.rate ?? ''}`.trim();
    for (const field of ['taxableAmount', 'taxAmount'] as const) {
      if (computed === undefined || !sameFrozen(entry[field], computed[field], currency)) {
        differences.push({
          what: `${name} ${field}`,
          frozen: entry[field],
          computed: computed === undefined ? null : formatMinorUnits(computed[field], currency),
        });
      }
    }
  }
  for (const computed of unmatched) {
    const name = `vat ${computed.category} ${computed.rate?.toFixed() ?? ''}`.trim();
    differences.push({
      what: `${name} taxableAmount`,
      frozen: null,
      computed: formatMinorUnits(computed.taxableAmount, currency),
    });
  }
  return differences.length === 0 ? E.right(calculation) : E.left(frozenTotalsNotReproduced(differences));
};

const nonEmpty = (text: string | undefined): string | undefined =>
  text === undefined || text.trim() === '' ? undefined : text;

const customerAddress = (customer: Customer): AddressLines | undefined => {
  const address = customer.address;
  if (address === undefined) return undefined;
  const line2 = nonEmpty(address.line2);
  const postalZone = nonEmpty(address.postalCode);
  return {
    streetName: address.line1,
    ...(line2 === undefined ? {} : { additionalStreetName: line2 }),
    cityName: address.city,
    ...(postalZone === undefined ? {} : { postalZone }),
    countryCode: address.country,
  };
};

/** Only O ("not subject to VAT") in the breakdown: then no VAT identifiers may appear (BR-O-02). */
const onlyNotSubject = (calculation: InvoiceCalculation): boolean =>
  calculation.vatBreakdown.every((entry) => entry.category === 'O');

/** The mandatory business terms the content may lack; returns the buyer address (BG-8) to write. */
const checkMandatory = (
  source: ExportSource,
  calculation: InvoiceCalculation,
): E.Either<UblWriteError, AddressLines> => {
  const unnamed = source.input.lines.findIndex((line) => nonEmpty(line.description) === undefined);
  if (unnamed >= 0) {
    return E.left(
      missingBusinessTerm('BT-153', `lines[${unnamed}].description`, 'every invoice line needs an item name'),
    );
  }
  const buyerAddress = customerAddress(source.customer) ?? source.buyerAddress;
  if (buyerAddress === undefined) {
    return E.left(
      missingBusinessTerm(
        'BT-55',
        'customer.address',
        'the buyer postal address with its country is mandatory (BR-11)',
      ),
    );
  }
  if (source.seller.vatId === undefined && !onlyNotSubject(calculation)) {
    const category = calculation.vatBreakdown.find((entry) => entry.category !== 'O')?.category ?? 'S';
    return E.left(
      missingBusinessTerm(
        'BT-31',
        'seller.vatId',
        `VAT category ${category} requires the seller VAT identifier (BR-${category === 'K' ? 'IC' : category}-02)`,
      ),
    );
  }
  return E.right(buyerAddress);
};

// ---------------------------------------------------------------------------------------------------------
// Document

const NAMESPACES: Readonly<Record<DocumentKind, string>> = {
  Invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  CreditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
};

interface Vocabulary {
  readonly typeCode: string;
  readonly typeCodeValue: string;
  readonly line: string;
  readonly quantity: string;
}

const VOCABULARIES: Readonly<Record<DocumentKind, Vocabulary>> = {
  Invoice: {
    typeCode: 'cbc:InvoiceTypeCode',
    typeCodeValue: '380',
    line: 'cac:InvoiceLine',
    quantity: 'cbc:InvoicedQuantity',
  },
  CreditNote: {
    typeCode: 'cbc:CreditNoteTypeCode',
    typeCodeValue: '381',
    line: 'cac:CreditNoteLine',
    quantity: 'cbc:CreditedQuantity',
  },
};

/** UN/ECE Recommendation 20 "one" (C62): BT-130 is mandatory, and a line without a unit counts pieces. */
export const DEFAULT_UNIT_CODE = 'C62';

/**
 * BT-120/121 written when the content gives no exemption reason for a category that needs one (BR-E-10,
 * BR-AE-10, BR-IC-10, BR-G-10, BR-O-10). AE, K, G and O have one VATEX code each; E depends on the article
 * of the VAT directive, so only the category's own name is given as text.
 */
const DEFAULT_EXEMPTIONS: Partial<
  Record<VatCategoryCode, { readonly code?: string; readonly reason: string }>
> = {
  E: { reason: 'Exempt from VAT' },
  AE: { code: 'VATEX-EU-AE', reason: 'Reverse charge' },
  K: { code: 'VATEX-EU-IC', reason: 'Intra-Community supply' },
  G: { code: 'VATEX-EU-G', reason: 'Export outside the EU' },
  O: { code: 'VATEX-EU-O', reason: 'Not subject to VAT' },
};

const documentNode = (
  source: ExportSource,
  calculation: InvoiceCalculation,
  buyerAddress: AddressLines,
): XmlNode => {
  const { kind, currency } = source;
  const vocabulary = VOCABULARIES[kind];
  const amount = amountWriter(currency);
  const withoutVatIds = onlyNotSubject(calculation);
  const note = nonEmpty(source.note);
  const buyerReference = nonEmpty(source.buyerReference);
  const dueDate = source.dueDate;
  const inclusive = source.input.pricesIncludeTax ?? false;
  const { totals } = calculation;
  const hasAllowances = calculation.allowances.length > 0;
  const hasCharges = calculation.charges.length > 0;
  return node(
    kind,
    [
      leaf('cbc:CustomizationID', PEPPOL_BIS3_CUSTOMIZATION_ID),
      leaf('cbc:ProfileID', PEPPOL_BIS3_PROFILE_ID),
      leaf('cbc:ID', source.id),
      leaf('cbc:IssueDate', source.issueDate),
      kind === 'Invoice' && dueDate !== undefined ? leaf('cbc:DueDate', dueDate) : undefined,
      leaf(vocabulary.typeCode, vocabulary.typeCodeValue),
      note === undefined ? undefined : leaf('cbc:Note', note),
      leaf('cbc:DocumentCurrencyCode', currency),
      buyerReference === undefined ? undefined : leaf('cbc:BuyerReference', buyerReference),
      source.billingReference === undefined
        ? undefined
        : node('cac:BillingReference', [
            node('cac:InvoiceDocumentReference', [leaf('cbc:ID', source.billingReference)]),
          ]),
      node('cac:AccountingSupplierParty', [sellerParty(source.seller, withoutVatIds)]),
      node('cac:AccountingCustomerParty', [buyerParty(source.customer, buyerAddress, withoutVatIds)]),
      // UBL 2.1 CreditNote has no cbc:DueDate: BT-9 goes to PaymentMeans, whose code 1 says "not defined".
      kind === 'CreditNote' && dueDate !== undefined
        ? node('cac:PaymentMeans', [leaf('cbc:PaymentMeansCode', '1'), leaf('cbc:PaymentDueDate', dueDate)])
        : undefined,
      source.paymentTerms === undefined
        ? undefined
        : node('cac:PaymentTerms', [leaf('cbc:Note', source.paymentTerms)]),
      calculation.allowances.map((entry) =>
        allowanceChargeNode(
          currency,
          false,
          entry,
          !inclusive,
          taxCategoryNode('cac:TaxCategory', entry.vat),
        ),
      ),
      calculation.charges.map((entry) =>
        allowanceChargeNode(currency, true, entry, !inclusive, taxCategoryNode('cac:TaxCategory', entry.vat)),
      ),
      node('cac:TaxTotal', [
        amount('cbc:TaxAmount', totals.taxAmount),
        calculation.vatBreakdown.map((entry) => taxSubtotalNode(currency, entry)),
      ]),
      node('cac:LegalMonetaryTotal', [
        amount('cbc:LineExtensionAmount', totals.lineExtensionAmount),
        amount('cbc:TaxExclusiveAmount', totals.taxExclusiveAmount),
        amount('cbc:TaxInclusiveAmount', totals.taxInclusiveAmount),
        hasAllowances ? amount('cbc:AllowanceTotalAmount', totals.allowanceTotalAmount) : undefined,
        hasCharges ? amount('cbc:ChargeTotalAmount', totals.chargeTotalAmount) : undefined,
        totals.prepaidAmount === 0n ? undefined : amount('cbc:PrepaidAmount', totals.prepaidAmount),
        totals.payableRoundingAmount === 0n
          ? undefined
          : amount('cbc:PayableRoundingAmount', totals.payableRoundingAmount),
        amount('cbc:PayableAmount', totals.payableAmount),
      ]),
      calculation.lines
        .map((line, index) => {
          const lineInput = source.input.lines[index];
          // calculateInvoice prices every input line or refuses the whole input: the two arrays align.
          return lineInput === undefined ? [] : [lineNode(vocabulary, currency, lineInput, line)];
        })
        .flat(),
    ],
    {
      xmlns: NAMESPACES[kind],
      'xmlns:cac': 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
      'xmlns:cbc': 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
    },
  );
};

/** Amounts (BT-92..BT-131) in minor units, written in the currency's scale with their `currencyID`. */
const amountWriter =
  (currency: CurrencyCode) =>
  (name: string, minorUnits: bigint): XmlNode =>
    leaf(name, formatMinorUnits(minorUnits, currency), { currencyID: currency });

const postalAddressNode = (address: AddressLines): XmlNode =>
  node('cac:PostalAddress', [
    address.streetName === undefined ? undefined : leaf('cbc:StreetName', address.streetName),
    address.additionalStreetName === undefined
      ? undefined
      : leaf('cbc:AdditionalStreetName', address.additionalStreetName),
    address.cityName === undefined ? undefined : leaf('cbc:CityName', address.cityName),
    address.postalZone === undefined ? undefined : leaf('cbc:PostalZone', address.postalZone),
    address.countrySubentity === undefined
      ? undefined
      : leaf('cbc:CountrySubentity', address.countrySubentity),
    node('cac:Country', [leaf('cbc:IdentificationCode', address.countryCode)]),
  ]);

const vatSchemeNode = (vatId: string): XmlNode =>
  node('cac:PartyTaxScheme', [leaf('cbc:CompanyID', vatId), node('cac:TaxScheme', [leaf('cbc:ID', 'VAT')])]);

const sellerParty = (seller: UblSeller, withoutVatIds: boolean): XmlNode =>
  node('cac:Party', [
    seller.endpoint === undefined
      ? undefined
      : leaf('cbc:EndpointID', seller.endpoint.id, { schemeID: seller.endpoint.scheme }),
    postalAddressNode(seller.address),
    seller.vatId === undefined || withoutVatIds ? undefined : vatSchemeNode(seller.vatId),
    node('cac:PartyLegalEntity', [
      leaf('cbc:RegistrationName', seller.name),
      seller.legalRegistrationId === undefined
        ? undefined
        : leaf('cbc:CompanyID', seller.legalRegistrationId),
    ]),
  ]);

const buyerParty = (customer: Customer, address: AddressLines, withoutVatIds: boolean): XmlNode =>
  node('cac:Party', [
    // The customer's e-mail is the only electronic address Accrue holds; EAS scheme EM is e-mail.
    customer.email === undefined ? undefined : leaf('cbc:EndpointID', customer.email, { schemeID: 'EM' }),
    postalAddressNode(address),
    customer.vatNumber === undefined || withoutVatIds ? undefined : vatSchemeNode(customer.vatNumber),
    node('cac:PartyLegalEntity', [leaf('cbc:RegistrationName', customer.name)]),
  ]);

const taxCategoryNode = (
  name: 'cac:TaxCategory' | 'cac:ClassifiedTaxCategory',
  vat: VatKey,
  exemption?: { readonly code?: string; readonly reason?: string },
): XmlNode =>
  node(name, [
    leaf('cbc:ID', vat.category),
    vat.rate === undefined ? undefined : leaf('cbc:Percent', vat.rate.toFixed()),
    exemption?.code === undefined ? undefined : leaf('cbc:TaxExemptionReasonCode', exemption.code),
    exemption?.reason === undefined ? undefined : leaf('cbc:TaxExemptionReason', exemption.reason),
    node('cac:TaxScheme', [leaf('cbc:ID', 'VAT')]),
  ]);

/** BT-120/121 belong to the breakdown of E, AE, K, G and O only (BR-S-10, BR-Z-10 forbid them elsewhere). */
const exemptionOf = (entry: VatBreakdownEntry): { code?: string; reason?: string } | undefined => {
  const fallback = DEFAULT_EXEMPTIONS[entry.category];
  if (fallback === undefined) return undefined;
  const reason = nonEmpty(entry.exemptionReason);
  const code = nonEmpty(entry.exemptionReasonCode);
  if (reason === undefined && code === undefined) return fallback;
  return { ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) };
};

const taxSubtotalNode = (currency: CurrencyCode, entry: VatBreakdownEntry): XmlNode => {
  const amount = amountWriter(currency);
  return node('cac:TaxSubtotal', [
    amount('cbc:TaxableAmount', entry.taxableAmount),
    amount('cbc:TaxAmount', entry.taxAmount),
    taxCategoryNode('cac:TaxCategory', { category: entry.category, rate: entry.rate }, exemptionOf(entry)),
  ]);
};

/** An allowance or charge as written: a computed one, or the one that carries a tax-inclusive line's net. */
interface WrittenAllowanceCharge {
  readonly amount: bigint;
  readonly percent?: Decimal;
  readonly baseAmount?: bigint;
  readonly reason?: string;
  readonly reasonCode?: string;
}

/**
 * BG-20/21 (with `taxCategory`) and BG-27/28. A percentage is written with its base (BT-94 + BT-93, R041/R042)
 * only when `withPercent`: on tax-inclusive invoices the amount written is the derived net, which is not the
 * percentage of the (inclusive) base. BR-33/38/41/44 want a reason or a reason code: without either, the
 * nature itself is the reason.
 */
const allowanceChargeNode = (
  currency: CurrencyCode,
  isCharge: boolean,
  entry: WrittenAllowanceCharge,
  withPercent: boolean,
  taxCategory?: XmlNode,
): XmlNode => {
  const amount = amountWriter(currency);
  const reasonCode = nonEmpty(entry.reasonCode);
  const reason =
    nonEmpty(entry.reason) ?? (reasonCode === undefined ? (isCharge ? 'Charge' : 'Discount') : undefined);
  const percentage =
    withPercent && entry.percent !== undefined && entry.baseAmount !== undefined
      ? { percent: entry.percent, baseAmount: entry.baseAmount }
      : undefined;
  return node('cac:AllowanceCharge', [
    leaf('cbc:ChargeIndicator', isCharge ? 'true' : 'false'),
    reasonCode === undefined ? undefined : leaf('cbc:AllowanceChargeReasonCode', reasonCode),
    reason === undefined ? undefined : leaf('cbc:AllowanceChargeReason', reason),
    percentage === undefined ? undefined : leaf('cbc:MultiplierFactorNumeric', percentage.percent.toFixed()),
    amount('cbc:Amount', entry.amount),
    percentage === undefined ? undefined : amount('cbc:BaseAmount', percentage.baseAmount),
    taxCategory,
  ]);
};

interface WrittenPrice {
  /** BT-146, exact. */
  readonly priceAmount: string;
  /** BT-149, when it is not the default 1. */
  readonly baseQuantity?: Decimal;
  /** BT-147 and BT-148, when the line was entered with a gross price. */
  readonly discount?: { readonly amount: Decimal; readonly grossPrice: Decimal };
  readonly allowances: ReadonlyArray<WrittenAllowanceCharge>;
  readonly charges: ReadonlyArray<WrittenAllowanceCharge>;
}

const abs = (value: bigint): bigint => (value < 0n ? -value : value);

/**
 * A tax-inclusive line's net N is not quantity × an entered price, so it is stated so that PEPPOL-EN16931-R120
 * holds exactly: price |N| for a base quantity of |quantity|. When N and the quantity differ in sign (a line
 * whose allowances exceed its amount) the price is 0 and N is carried by one line allowance or charge.
 */
const inclusivePrice = (currency: CurrencyCode, line: CalculatedLine): WrittenPrice => {
  const quantitySign = line.quantity.gt(ZERO) ? 1 : line.quantity.lt(ZERO) ? -1 : 0;
  const net = line.netAmount;
  const netSign = net > 0n ? 1 : net < 0n ? -1 : 0;
  const baseQuantity = quantitySign === 0 ? ONE : line.quantity.abs();
  if (netSign === 0 || netSign === quantitySign) {
    return { priceAmount: formatMinorUnits(abs(net), currency), baseQuantity, allowances: [], charges: [] };
  }
  const carrier: WrittenAllowanceCharge = { amount: abs(net), reason: 'Net amount of a tax-inclusive line' };
  return {
    priceAmount: formatMinorUnits(0n, currency),
    baseQuantity,
    allowances: net < 0n ? [carrier] : [],
    charges: net > 0n ? [carrier] : [],
  };
};

const exclusivePrice = (input: LineInput, line: CalculatedLine): WrittenPrice => ({
  priceAmount: line.netPrice.toFixed(),
  ...(input.baseQuantity === undefined ? {} : { baseQuantity: line.baseQuantity }),
  ...(input.grossPrice === undefined
    ? {}
    : { discount: { amount: input.priceDiscount ?? ZERO, grossPrice: input.grossPrice } }),
  allowances: line.allowances,
  charges: line.charges,
});

const lineNode = (
  vocabulary: Vocabulary,
  currency: CurrencyCode,
  input: LineInput,
  line: CalculatedLine,
): XmlNode => {
  const unitCode = nonEmpty(input.unitCode) ?? DEFAULT_UNIT_CODE;
  const price = line.pricesIncludeTax ? inclusivePrice(currency, line) : exclusivePrice(input, line);
  const lineEntry = (isCharge: boolean) => (entry: WrittenAllowanceCharge | CalculatedAllowanceCharge) =>
    allowanceChargeNode(currency, isCharge, entry, true);
  return node(vocabulary.line, [
    leaf('cbc:ID', line.id),
    leaf(vocabulary.quantity, line.quantity.toFixed(), { unitCode }),
    amountWriter(currency)('cbc:LineExtensionAmount', line.netAmount),
    price.allowances.map(lineEntry(false)),
    price.charges.map(lineEntry(true)),
    node('cac:Item', [
      // checkMandatory refused lines without a name.
      leaf('cbc:Name', input.description ?? ''),
      taxCategoryNode('cac:ClassifiedTaxCategory', line.vat),
    ]),
    node('cac:Price', [
      leaf('cbc:PriceAmount', price.priceAmount, { currencyID: currency }),
      price.baseQuantity === undefined
        ? undefined
        : leaf('cbc:BaseQuantity', price.baseQuantity.toFixed(), { unitCode }),
      price.discount === undefined
        ? undefined
        : node('cac:AllowanceCharge', [
            leaf('cbc:ChargeIndicator', 'false'),
            leaf('cbc:Amount', price.discount.amount.toFixed(), { currencyID: currency }),
            leaf('cbc:BaseAmount', price.discount.grossPrice.toFixed(), { currencyID: currency }),
          ]),
    ]),
  ]);
};
