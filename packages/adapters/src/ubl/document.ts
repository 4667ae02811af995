import type { CurrencyCode, Decimal, InvoiceCalculationInput } from '@accrue/domain';

/** The two UBL 2.1 document types that carry an EN 16931 invoice. */
export type UblDocumentKind = 'Invoice' | 'CreditNote';

/** BG-5 / BG-8: a postal address, as stated. */
export interface UblAddress {
  readonly streetName?: string;
  readonly additionalStreetName?: string;
  readonly cityName?: string;
  readonly postalZone?: string;
  readonly countrySubentity?: string;
  /** ISO 3166-1 alpha-2 (BT-40 / BT-55). */
  readonly countryCode?: string;
}

/** BG-4 seller / BG-7 buyer: the basics needed to tell parties apart. */
export interface UblParty {
  /** BT-27 / BT-44 legal registration name, else the trading name. */
  readonly name?: string;
  /** BT-31 / BT-48: the company id of the party's VAT tax scheme. */
  readonly vatId?: string;
  readonly address?: UblAddress;
}

/** What a line states about itself, to hold against the recomputation. */
export interface StatedLine {
  /** BT-126 */
  readonly id: string;
  /** BT-131 */
  readonly netAmount?: Decimal;
  /** BT-146 */
  readonly netPrice: Decimal;
  /** BT-136, in document order (the same order as the engine input's `allowances`). */
  readonly allowances: ReadonlyArray<Decimal>;
  /** BT-141, in document order. */
  readonly charges: ReadonlyArray<Decimal>;
}

/** BG-23 as stated. The category is kept as written (it may be one the engine does not know). */
export interface StatedTaxSubtotal {
  /** BT-118 */
  readonly category: string;
  /** BT-119; absent for category O. */
  readonly rate?: Decimal;
  /** BT-116 */
  readonly taxableAmount: Decimal;
  /** BT-117 */
  readonly taxAmount: Decimal;
  /** BT-120 */
  readonly exemptionReason?: string;
  /** BT-121 */
  readonly exemptionReasonCode?: string;
}

/** BT-106..115 as stated; each is `undefined` when the document leaves it out. */
export interface StatedTotals {
  readonly lineExtensionAmount: Decimal | undefined;
  readonly allowanceTotalAmount: Decimal | undefined;
  readonly chargeTotalAmount: Decimal | undefined;
  readonly taxExclusiveAmount: Decimal | undefined;
  /** BT-110: `TaxTotal/TaxAmount` of the TaxTotal in the document currency. */
  readonly taxAmount: Decimal | undefined;
  readonly taxInclusiveAmount: Decimal | undefined;
  readonly prepaidAmount: Decimal | undefined;
  readonly payableRoundingAmount: Decimal | undefined;
  readonly payableAmount: Decimal | undefined;
}

/** Every value the document states that the engine can recompute from the document's inputs. */
export interface StatedValues {
  readonly lines: ReadonlyArray<StatedLine>;
  /** BT-92, in document order. */
  readonly allowances: ReadonlyArray<Decimal>;
  /** BT-99, in document order. */
  readonly charges: ReadonlyArray<Decimal>;
  readonly totals: StatedTotals;
  /** The subtotals of the TaxTotal in the document currency; a TaxTotal in the tax currency is ignored. */
  readonly taxSubtotals: ReadonlyArray<StatedTaxSubtotal>;
}

/**
 * A UBL 2.1 Invoice or CreditNote, read. `calculationInput` is built from the document's inputs only
 * (quantities, prices, allowance/charge amounts or percentages, VAT categories, prepaid and rounding
 * amounts), never from its computed figures, which are kept apart in `stated`.
 */
export interface UblDocument {
  readonly kind: UblDocumentKind;
  /** BT-1 */
  readonly id: string;
  /** BT-2, as written (`YYYY-MM-DD`). */
  readonly issueDate: string;
  /** BT-9 */
  readonly dueDate?: string;
  /** BT-5 */
  readonly currency: CurrencyCode;
  /** BT-6, when VAT is also accounted in another currency. */
  readonly taxCurrency?: string;
  /** BT-22 */
  readonly notes: ReadonlyArray<string>;
  /** BT-10 */
  readonly buyerReference?: string;
  readonly seller: UblParty;
  readonly buyer: UblParty;
  readonly calculationInput: InvoiceCalculationInput;
  readonly stated: StatedValues;
}
