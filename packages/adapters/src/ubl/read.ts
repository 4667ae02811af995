import type {
  AllowanceChargeInput,
  CurrencyCode,
  Decimal,
  DocumentAllowanceChargeInput,
  LineInput,
  VatInput,
} from '@accrue/domain';
import { CurrencyCode as CurrencyCodeCodec, ONE, VatCategoryCode } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

import type {
  StatedLine,
  StatedTaxSubtotal,
  StatedTotals,
  UblAddress,
  UblDocument,
  UblDocumentKind,
  UblParty,
} from './document.js';
import type { UblReadError } from './errors.js';
import { invalidValue, missingElement, unknownRootElement } from './errors.js';
import { optionalDecimal, optionalText, requiredBoolean, requiredDecimal, requiredText } from './fields.js';
import type { Located, XmlElement } from './xml.js';
import { child, children, descend, parseXml, pathOf, root } from './xml.js';

/**
 * Reads a UBL 2.1 `Invoice` or `CreditNote` (EN 16931 / Peppol BIS Billing 3.0 binding) from its XML text.
 * Never throws: malformed XML, another root element, a missing mandatory element or a number that is not
 * one come back as a tagged {@link UblReadError} naming the element.
 */
export const readUbl = (xml: string): E.Either<UblReadError, UblDocument> =>
  pipe(parseXml(xml), E.flatMap(readDocument));

interface Vocabulary {
  readonly kind: UblDocumentKind;
  readonly line: string;
  readonly quantity: string;
}

const VOCABULARIES: Readonly<Record<UblDocumentKind, Vocabulary>> = {
  Invoice: { kind: 'Invoice', line: 'InvoiceLine', quantity: 'InvoicedQuantity' },
  CreditNote: { kind: 'CreditNote', line: 'CreditNoteLine', quantity: 'CreditedQuantity' },
};

const vocabularyOf = (name: string): Vocabulary | undefined =>
  name === 'Invoice' || name === 'CreditNote' ? VOCABULARIES[name] : undefined;

interface ReadLine {
  readonly input: LineInput;
  readonly stated: StatedLine;
}

interface ReadAllowanceCharge<I> {
  readonly isCharge: boolean;
  readonly input: I;
  /** BT-92/99/136/141 as stated. */
  readonly amount: Decimal;
}

const readDocument = (rootElement: XmlElement): E.Either<UblReadError, UblDocument> => {
  const vocabulary = vocabularyOf(rootElement.name);
  if (vocabulary === undefined) return E.left(unknownRootElement(rootElement.name));
  const doc = root(rootElement);
  return pipe(
    E.Do,
    E.apS('id', requiredText(doc, 'ID')),
    E.apS('issueDate', requiredText(doc, 'IssueDate')),
    E.apS('currency', readCurrency(doc)),
    E.apS('lines', readLines(doc, vocabulary)),
    E.apS(
      'allowanceCharges',
      E.traverseArray((at: Located) => readAllowanceCharge(at, readVat(at, 'TaxCategory')))(
        children(doc, 'AllowanceCharge'),
      ),
    ),
    E.apS('monetaryTotal', readMonetaryTotal(doc)),
    E.bind('tax', ({ currency }) => readTaxTotal(doc, currency)),
    E.map(({ id, issueDate, currency, lines, allowanceCharges, monetaryTotal, tax }): UblDocument => {
      const dueDate = optionalText(doc, 'DueDate') ?? optionalText(doc, 'PaymentMeans', 'PaymentDueDate');
      const taxCurrency = optionalText(doc, 'TaxCurrencyCode');
      const buyerReference = optionalText(doc, 'BuyerReference');
      const documentAllowances = allowanceCharges.filter((entry) => !entry.isCharge);
      const documentCharges = allowanceCharges.filter((entry) => entry.isCharge);
      const { prepaidAmount, payableRoundingAmount } = monetaryTotal;
      const exemption = withBreakdownExemption(tax.subtotals);
      const withExemption = <A extends { readonly vat: VatInput }>(entry: A): A => ({
        ...entry,
        vat: exemption(entry.vat),
      });
      return {
        kind: vocabulary.kind,
        id,
        issueDate,
        ...(dueDate === undefined ? {} : { dueDate }),
        currency,
        ...(taxCurrency === undefined ? {} : { taxCurrency }),
        notes: children(doc, 'Note').map((note) => note.element.text),
        ...(buyerReference === undefined ? {} : { buyerReference }),
        seller: readParty(descend(doc, 'AccountingSupplierParty', 'Party')),
        buyer: readParty(descend(doc, 'AccountingCustomerParty', 'Party')),
        calculationInput: {
          currency,
          lines: lines.map((line) => withExemption(line.input)),
          ...(documentAllowances.length === 0
            ? {}
            : { allowances: documentAllowances.map((entry) => withExemption(entry.input)) }),
          ...(documentCharges.length === 0
            ? {}
            : { charges: documentCharges.map((entry) => withExemption(entry.input)) }),
          ...(prepaidAmount === undefined ? {} : { prepaidAmount }),
          ...(payableRoundingAmount === undefined ? {} : { payableRoundingAmount }),
        },
        stated: {
          lines: lines.map((line) => line.stated),
          allowances: documentAllowances.map((entry) => entry.amount),
          charges: documentCharges.map((entry) => entry.amount),
          totals: { ...monetaryTotal, taxAmount: tax.amount },
          taxSubtotals: tax.subtotals,
        },
      };
    }),
  );
};

const readCurrency = (doc: Located): E.Either<UblReadError, CurrencyCode> =>
  pipe(
    requiredText(doc, 'DocumentCurrencyCode'),
    E.flatMap((code) =>
      CurrencyCodeCodec.is(code)
        ? E.right(code)
        : E.left(invalidValue(pathOf(doc, 'DocumentCurrencyCode'), code, 'is not an ISO 4217 currency')),
    ),
  );

const readLines = (doc: Located, vocabulary: Vocabulary): E.Either<UblReadError, ReadonlyArray<ReadLine>> => {
  const lines = children(doc, vocabulary.line);
  // BG-25 is mandatory (1..n): a document without lines has nothing to total.
  if (lines.length === 0) return E.left(missingElement(pathOf(doc, vocabulary.line)));
  return E.traverseArray((line: Located) => readLine(line, vocabulary))(lines);
};

const readLine = (line: Located, vocabulary: Vocabulary): E.Either<UblReadError, ReadLine> =>
  pipe(
    E.Do,
    E.apS('id', requiredText(line, 'ID')),
    // BT-129 defaults to 1 when absent, as PEPPOL-EN16931-R120 computes it; a present value must parse.
    E.apS('quantity', optionalDecimal(line, vocabulary.quantity)),
    E.apS('netAmount', optionalDecimal(line, 'LineExtensionAmount')),
    E.apS('price', readPrice(line)),
    E.apS('vat', readVat(line, 'Item', 'ClassifiedTaxCategory')),
    E.apS(
      'allowanceCharges',
      E.traverseArray((at: Located) => readAllowanceCharge(at, E.right(undefined)))(
        children(line, 'AllowanceCharge'),
      ),
    ),
    E.map(({ id, quantity, netAmount, price, vat, allowanceCharges }): ReadLine => {
      const allowances = allowanceCharges.filter((entry) => !entry.isCharge);
      const charges = allowanceCharges.filter((entry) => entry.isCharge);
      const quantityElement = child(line, vocabulary.quantity);
      const unitCode = quantityElement?.element.attributes.get('unitCode');
      const description = optionalText(line, 'Item', 'Name');
      const input: LineInput = {
        id,
        quantity: quantity ?? ONE,
        vat,
        ...(description === undefined ? {} : { description }),
        ...(unitCode === undefined ? {} : { unitCode }),
        ...price.input,
        ...(allowances.length === 0 ? {} : { allowances: allowances.map((entry) => entry.input) }),
        ...(charges.length === 0 ? {} : { charges: charges.map((entry) => entry.input) }),
      };
      return {
        input,
        stated: {
          id,
          ...(netAmount === undefined ? {} : { netAmount }),
          netPrice: price.netPrice,
          allowances: allowances.map((entry) => entry.amount),
          charges: charges.map((entry) => entry.amount),
        },
      };
    }),
  );

type PriceInput = Pick<LineInput, 'netPrice' | 'grossPrice' | 'priceDiscount' | 'baseQuantity'>;

/**
 * BG-29. With a gross price (BT-148, `AllowanceCharge/BaseAmount`) the engine gets gross price and discount
 * (BT-147) and derives the net price itself, so that a stated BT-146 that disagrees shows as a mismatch.
 */
const readPrice = (
  line: Located,
): E.Either<UblReadError, { readonly input: PriceInput; readonly netPrice: Decimal }> => {
  const price = child(line, 'Price');
  if (price === undefined) return E.left(missingElement(pathOf(line, 'Price')));
  const priceAllowance = child(price, 'AllowanceCharge');
  return pipe(
    E.Do,
    E.apS('netPrice', requiredDecimal(price, 'PriceAmount')),
    E.apS('baseQuantity', optionalDecimal(price, 'BaseQuantity')),
    E.apS('gross', priceAllowance === undefined ? E.right(undefined) : readPriceDiscount(priceAllowance)),
    E.map(({ netPrice, baseQuantity, gross }) => {
      const withBase = baseQuantity === undefined ? {} : { baseQuantity };
      const input: PriceInput =
        gross === undefined
          ? { netPrice, ...withBase }
          : { grossPrice: gross.grossPrice, priceDiscount: gross.discount, ...withBase };
      return { input, netPrice };
    }),
  );
};

const readPriceDiscount = (
  at: Located,
): E.Either<UblReadError, { readonly grossPrice: Decimal; readonly discount: Decimal } | undefined> =>
  pipe(
    E.Do,
    E.apS('isCharge', requiredBoolean(at, 'ChargeIndicator')),
    E.apS('discount', requiredDecimal(at, 'Amount')),
    E.apS('grossPrice', optionalDecimal(at, 'BaseAmount')),
    E.flatMap(({ isCharge, discount, grossPrice }) => {
      // EN 16931 has no price-level charge (PEPPOL-EN16931-R044): adding one silently would change the net.
      if (isCharge) {
        return E.left(
          invalidValue(
            pathOf(at, 'ChargeIndicator'),
            'true',
            'is not allowed: a price can only carry a discount',
          ),
        );
      }
      // Without the gross price the discount is informative only: the net price stands on its own.
      return E.right(grossPrice === undefined ? undefined : { grossPrice, discount });
    }),
  );

/** BT-151 (line) / BT-95, BT-102 (document allowance, charge): category, rate and exemption reason. */
const readVat = (at: Located, ...names: ReadonlyArray<string>): E.Either<UblReadError, VatInput> => {
  const category = descend(at, ...names);
  if (category === undefined) return E.left(missingElement(pathOf(at, ...names)));
  return pipe(
    E.Do,
    E.apS('code', requiredText(category, 'ID')),
    E.apS('rate', optionalDecimal(category, 'Percent')),
    E.flatMap(({ code, rate }) => {
      if (!VatCategoryCode.is(code)) {
        return E.left(
          invalidValue(pathOf(category, 'ID'), code, 'is not a VAT category the calculation supports'),
        );
      }
      const exemptionReason = optionalText(category, 'TaxExemptionReason');
      const exemptionReasonCode = optionalText(category, 'TaxExemptionReasonCode');
      return E.right({
        category: code,
        ...(rate === undefined ? {} : { rate }),
        ...(exemptionReason === undefined ? {} : { exemptionReason }),
        ...(exemptionReasonCode === undefined ? {} : { exemptionReasonCode }),
      });
    }),
  );
};

/**
 * BG-20/21 (document, with `vat`) and BG-27/28 (line, `vat` undefined). A percentage with its base amount
 * (BT-94 + BT-93, `MultiplierFactorNumeric` + `BaseAmount`) is given to the engine as such, so it recomputes
 * the amount; otherwise the stated amount is the input.
 */
function readAllowanceCharge(
  at: Located,
  vat: E.Either<UblReadError, undefined>,
): E.Either<UblReadError, ReadAllowanceCharge<AllowanceChargeInput>>;
function readAllowanceCharge(
  at: Located,
  vat: E.Either<UblReadError, VatInput>,
): E.Either<UblReadError, ReadAllowanceCharge<DocumentAllowanceChargeInput>>;
function readAllowanceCharge(
  at: Located,
  vat: E.Either<UblReadError, VatInput | undefined>,
): E.Either<UblReadError, ReadAllowanceCharge<AllowanceChargeInput | DocumentAllowanceChargeInput>> {
  return pipe(
    E.Do,
    E.apS('isCharge', requiredBoolean(at, 'ChargeIndicator')),
    E.apS('amount', requiredDecimal(at, 'Amount')),
    E.apS('percent', optionalDecimal(at, 'MultiplierFactorNumeric')),
    E.apS('baseAmount', optionalDecimal(at, 'BaseAmount')),
    E.apS('vat', vat),
    E.map(({ isCharge, amount, percent, baseAmount, vat: vatInput }) => {
      const reason = optionalText(at, 'AllowanceChargeReason');
      const reasonCode = optionalText(at, 'AllowanceChargeReasonCode');
      const value = percent !== undefined && baseAmount !== undefined ? { percent, baseAmount } : { amount };
      const input = {
        ...value,
        ...(reason === undefined ? {} : { reason }),
        ...(reasonCode === undefined ? {} : { reasonCode }),
        ...(vatInput === undefined ? {} : { vat: vatInput }),
      };
      return { isCharge, input, amount };
    }),
  );
}

type StatedMonetaryTotal = Omit<StatedTotals, 'taxAmount'>;

/** BG-22. Mandatory in UBL; it also carries two inputs, the prepaid (BT-113) and rounding (BT-114) amounts. */
const readMonetaryTotal = (doc: Located): E.Either<UblReadError, StatedMonetaryTotal> => {
  const total = child(doc, 'LegalMonetaryTotal');
  if (total === undefined) return E.left(missingElement(pathOf(doc, 'LegalMonetaryTotal')));
  return pipe(
    E.Do,
    E.apS('lineExtensionAmount', optionalDecimal(total, 'LineExtensionAmount')),
    E.apS('allowanceTotalAmount', optionalDecimal(total, 'AllowanceTotalAmount')),
    E.apS('chargeTotalAmount', optionalDecimal(total, 'ChargeTotalAmount')),
    E.apS('taxExclusiveAmount', optionalDecimal(total, 'TaxExclusiveAmount')),
    E.apS('taxInclusiveAmount', optionalDecimal(total, 'TaxInclusiveAmount')),
    E.apS('prepaidAmount', optionalDecimal(total, 'PrepaidAmount')),
    E.apS('payableRoundingAmount', optionalDecimal(total, 'PayableRoundingAmount')),
    E.apS('payableAmount', optionalDecimal(total, 'PayableAmount')),
  );
};

/**
 * BG-23 and BT-110 from the TaxTotal in the document currency. A document with a VAT accounting currency
 * (BT-6) has a second TaxTotal, without subtotals, in that currency (BT-111): it is not part of the totals.
 */
const readTaxTotal = (
  doc: Located,
  currency: CurrencyCode,
): E.Either<
  UblReadError,
  { readonly amount: Decimal | undefined; readonly subtotals: ReadonlyArray<StatedTaxSubtotal> }
> => {
  const inDocumentCurrency = children(doc, 'TaxTotal').filter((taxTotal) => {
    const stated = child(taxTotal, 'TaxAmount')?.element.attributes.get('currencyID');
    return stated === undefined || stated === currency;
  });
  const chosen =
    inDocumentCurrency.find((taxTotal) => child(taxTotal, 'TaxSubtotal') !== undefined) ??
    inDocumentCurrency[0];
  if (chosen === undefined) return E.right({ amount: undefined, subtotals: [] });
  return pipe(
    E.Do,
    E.apS('amount', optionalDecimal(chosen, 'TaxAmount')),
    E.apS('subtotals', E.traverseArray(readTaxSubtotal)(children(chosen, 'TaxSubtotal'))),
  );
};

const readTaxSubtotal = (subtotal: Located): E.Either<UblReadError, StatedTaxSubtotal> =>
  pipe(
    E.Do,
    E.apS('taxableAmount', requiredDecimal(subtotal, 'TaxableAmount')),
    E.apS('taxAmount', requiredDecimal(subtotal, 'TaxAmount')),
    E.apS('category', requiredText(subtotal, 'TaxCategory', 'ID')),
    E.apS('rate', optionalDecimal(subtotal, 'TaxCategory', 'Percent')),
    E.map(({ rate, ...rest }) => {
      const exemptionReason = optionalText(subtotal, 'TaxCategory', 'TaxExemptionReason');
      const exemptionReasonCode = optionalText(subtotal, 'TaxCategory', 'TaxExemptionReasonCode');
      return {
        ...rest,
        ...(rate === undefined ? {} : { rate }),
        ...(exemptionReason === undefined ? {} : { exemptionReason }),
        ...(exemptionReasonCode === undefined ? {} : { exemptionReasonCode }),
      };
    }),
  );

/**
 * BT-120/121 belong to the VAT breakdown (BG-23), where documents state them; lines and allowances rarely
 * repeat them. A line or allowance without its own takes its breakdown's, so the reason survives import and
 * comes out again on export instead of a generic default.
 */
const withBreakdownExemption =
  (subtotals: ReadonlyArray<StatedTaxSubtotal>) =>
  (vat: VatInput): VatInput => {
    if (vat.exemptionReason !== undefined || vat.exemptionReasonCode !== undefined) return vat;
    const subtotal = subtotals.find(
      (entry) =>
        entry.category === vat.category &&
        (entry.rate === undefined || vat.rate === undefined
          ? entry.rate === undefined && (vat.rate === undefined || vat.rate.eq(0))
          : entry.rate.eq(vat.rate)),
    );
    if (subtotal?.exemptionReason === undefined && subtotal?.exemptionReasonCode === undefined) return vat;
    return {
      ...vat,
      ...(subtotal.exemptionReason === undefined ? {} : { exemptionReason: subtotal.exemptionReason }),
      ...(subtotal.exemptionReasonCode === undefined
        ? {}
        : { exemptionReasonCode: subtotal.exemptionReasonCode }),
    };
  };

/** BG-4 / BG-7, leniently: party details are informative here, the totals do not depend on them. */
const readParty = (party: Located | undefined): UblParty => {
  if (party === undefined) return {};
  const name =
    optionalText(party, 'PartyLegalEntity', 'RegistrationName') ?? optionalText(party, 'PartyName', 'Name');
  const vatScheme = children(party, 'PartyTaxScheme').find(
    (scheme) => optionalText(scheme, 'TaxScheme', 'ID') === 'VAT',
  );
  const vatId = vatScheme === undefined ? undefined : optionalText(vatScheme, 'CompanyID');
  const address = child(party, 'PostalAddress');
  return {
    ...(name === undefined ? {} : { name }),
    ...(vatId === undefined ? {} : { vatId }),
    ...(address === undefined ? {} : { address: readAddress(address) }),
  };
};

const readAddress = (address: Located): UblAddress => {
  const fields: ReadonlyArray<readonly [keyof UblAddress, ReadonlyArray<string>]> = [
    ['streetName', ['StreetName']],
    ['additionalStreetName', ['AdditionalStreetName']],
    ['cityName', ['CityName']],
    ['postalZone', ['PostalZone']],
    ['countrySubentity', ['CountrySubentity']],
    ['countryCode', ['Country', 'IdentificationCode']],
  ];
  const result: { -readonly [K in keyof UblAddress]: string } = {};
  for (const [key, names] of fields) {
    const value = optionalText(address, ...names);
    if (value !== undefined) result[key] = value;
  }
  return result;
};
