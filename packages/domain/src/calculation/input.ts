import * as t from 'io-ts';

import { CurrencyCode } from '../money/currency.js';
import { DecimalFromString } from '../money/decimal.js';
import type { RoundingMode } from '../money/rounding.js';

/**
 * The input of an invoice calculation, in EN 16931 terms (business terms in brackets). Quantities, prices,
 * rates and amounts are exact decimals; amounts must be whole minor units of the invoice currency.
 * These codecs are also the stored format of invoice content inside events: change them additively only.
 */

/**
 * UNCL 5305 VAT category codes that EN 16931 allows (BT-118, BT-151, BT-95, BT-102). B ("transferred VAT",
 * Italy's split payment) is taxed like S: the VAT is computed and shown, the buyer pays it to the state.
 */
export const VatCategoryCode = t.keyof(
  { S: null, Z: null, E: null, AE: null, K: null, G: null, O: null, L: null, M: null, B: null },
  'VatCategoryCode',
);
export type VatCategoryCode = t.TypeOf<typeof VatCategoryCode>;

/** A VAT category with its rate in percent (BT-119/152). Category O ("not subject to VAT") has no rate. */
export const VatInput = t.intersection(
  [
    t.strict({ category: VatCategoryCode }),
    t.partial({
      rate: DecimalFromString,
      /** BT-120: exemption reason text, for E, AE, K, G, O. */
      exemptionReason: t.string,
      /** BT-121: exemption reason code (VATEX). */
      exemptionReasonCode: t.string,
    }),
  ],
  'VatInput',
);
export type VatInput = t.TypeOf<typeof VatInput>;

/**
 * An allowance (discount) or charge: a fixed amount, or a percentage of a base amount. Without an explicit
 * base, a line-level percentage applies to the line amount before allowances and charges, and a
 * document-level percentage applies to the sum of line net amounts (BT-106).
 */
export const AllowanceChargeInput = t.intersection(
  [
    t.union([
      t.strict({ amount: DecimalFromString }),
      t.intersection([
        t.strict({ percent: DecimalFromString }),
        t.partial({ baseAmount: DecimalFromString }),
      ]),
    ]),
    t.partial({ reason: t.string, reasonCode: t.string }),
  ],
  'AllowanceChargeInput',
);
export type AllowanceChargeInput = t.TypeOf<typeof AllowanceChargeInput>;

/** A document-level allowance (BG-20) or charge (BG-21), which carries its own VAT category and rate. */
export const DocumentAllowanceChargeInput = t.intersection(
  [AllowanceChargeInput, t.strict({ vat: VatInput })],
  'DocumentAllowanceChargeInput',
);
export type DocumentAllowanceChargeInput = t.TypeOf<typeof DocumentAllowanceChargeInput>;

/**
 * An invoice line (BG-25). The price is either the net price (BT-146), or the gross price (BT-148) less an
 * optional price discount (BT-147); when both are given they must agree exactly (net = gross − discount).
 */
export const LineInput = t.intersection(
  [
    t.strict({ id: t.string, quantity: DecimalFromString, vat: VatInput }),
    t.partial({
      description: t.string,
      unitCode: t.string,
      netPrice: DecimalFromString,
      grossPrice: DecimalFromString,
      priceDiscount: DecimalFromString,
      /** BT-149: the quantity the price applies to (default 1). */
      baseQuantity: DecimalFromString,
      allowances: t.readonlyArray(AllowanceChargeInput),
      charges: t.readonlyArray(AllowanceChargeInput),
      /** Overrides the invoice's `pricesIncludeTax` for this line. */
      pricesIncludeTax: t.boolean,
    }),
  ],
  'LineInput',
);
export type LineInput = t.TypeOf<typeof LineInput>;

export const InvoiceCalculationInput = t.intersection(
  [
    t.strict({ currency: CurrencyCode, lines: t.readonlyArray(LineInput) }),
    t.partial({
      /** Prices, line and document allowances/charges include VAT; net amounts are derived exactly. */
      pricesIncludeTax: t.boolean,
      allowances: t.readonlyArray(DocumentAllowanceChargeInput),
      charges: t.readonlyArray(DocumentAllowanceChargeInput),
      /** BT-113 */
      prepaidAmount: DecimalFromString,
      /** BT-114 */
      payableRoundingAmount: DecimalFromString,
    }),
  ],
  'InvoiceCalculationInput',
);
export type InvoiceCalculationInput = t.TypeOf<typeof InvoiceCalculationInput>;

export interface CalculationOptions {
  readonly rounding: RoundingMode;
}
