import * as E from 'fp-ts/lib/Either.js';

import type { MalformedXml } from './errors.js';
import type { Located } from './xml.js';
import { child, children, descend, parseXml, root, textAt } from './xml.js';

/** Categories whose VAT breakdown needs an exemption reason text or code (BR-E/AE/IC/G/O-10). */
const NEEDS_EXEMPTION = new Set(['E', 'AE', 'K', 'G', 'O']);

const AT_MOST_TWO_DECIMALS = /^-?[0-9]+(\.[0-9]{1,2})?$/;

/**
 * The EN 16931 / Peppol BIS 3 mandatory elements a UBL Invoice or CreditNote lacks, each as a path of local
 * names (`Invoice/InvoiceLine[2]/Item/Name`), and every amount with more than two decimals (BR-DEC). An empty
 * list means every mandatory business term is present. Structural only: totals are checked by recomputation
 * (`compareWithStated`), not here. Reads with the UBL reader's namespace-blind parser, not the writer's
 * serialiser, so it checks the text as any consumer would see it.
 */
export const missingUblElements = (xml: string): E.Either<MalformedXml, ReadonlyArray<string>> =>
  E.map(checkDocument)(parseXml(xml));

const checkDocument = (element: Located['element']): ReadonlyArray<string> => {
  const doc = root(element);
  const isCreditNote = element.name === 'CreditNote';
  const found: string[] = [];
  const need = (at: Located, ...names: ReadonlyArray<string>): void => {
    if (textAt(at, ...names) === undefined) found.push([at.path, ...names].join('/'));
  };
  const needAny = (at: Located, ...alternatives: ReadonlyArray<ReadonlyArray<string>>): void => {
    if (alternatives.every((names) => textAt(at, ...names) === undefined)) {
      found.push(alternatives.map((names) => [at.path, ...names].join('/')).join(' or '));
    }
  };
  const needTaxCategory = (at: Located | undefined, path: string): void => {
    if (at === undefined) {
      found.push(path);
      return;
    }
    need(at, 'ID');
    need(at, 'TaxScheme', 'ID');
    if (textAt(at, 'ID') !== 'O') need(at, 'Percent');
  };
  const needAmount = (at: Located, name: string): void => {
    const value = textAt(at, name);
    if (value === undefined) found.push(`${at.path}/${name}`);
    else if (!AT_MOST_TWO_DECIMALS.test(value)) found.push(`${at.path}/${name} (BR-DEC: "${value}")`);
  };
  const checkAmountIfPresent = (at: Located, name: string): void => {
    if (textAt(at, name) !== undefined) needAmount(at, name);
  };
  const needAllowanceCharge = (at: Located, withTaxCategory: boolean): void => {
    need(at, 'ChargeIndicator');
    needAmount(at, 'Amount');
    checkAmountIfPresent(at, 'BaseAmount');
    needAny(at, ['AllowanceChargeReason'], ['AllowanceChargeReasonCode']);
    if (withTaxCategory) needTaxCategory(child(at, 'TaxCategory'), `${at.path}/TaxCategory`);
  };

  need(doc, 'CustomizationID');
  need(doc, 'ProfileID');
  need(doc, 'ID');
  need(doc, 'IssueDate');
  need(doc, isCreditNote ? 'CreditNoteTypeCode' : 'InvoiceTypeCode');
  need(doc, 'DocumentCurrencyCode');
  for (const role of ['AccountingSupplierParty', 'AccountingCustomerParty']) {
    const party = descend(doc, role, 'Party');
    if (party === undefined) {
      found.push(`${doc.path}/${role}/Party`);
      continue;
    }
    need(party, 'PartyLegalEntity', 'RegistrationName');
    need(party, 'PostalAddress', 'Country', 'IdentificationCode');
  }
  for (const entry of children(doc, 'AllowanceCharge')) needAllowanceCharge(entry, true);

  const taxTotal = child(doc, 'TaxTotal');
  if (taxTotal === undefined) found.push(`${doc.path}/TaxTotal`);
  else {
    needAmount(taxTotal, 'TaxAmount');
    const subtotals = children(taxTotal, 'TaxSubtotal');
    if (subtotals.length === 0) found.push(`${taxTotal.path}/TaxSubtotal`);
    for (const subtotal of subtotals) {
      needAmount(subtotal, 'TaxableAmount');
      needAmount(subtotal, 'TaxAmount');
      const category = child(subtotal, 'TaxCategory');
      needTaxCategory(category, `${subtotal.path}/TaxCategory`);
      if (category !== undefined && NEEDS_EXEMPTION.has(textAt(category, 'ID') ?? '')) {
        needAny(category, ['TaxExemptionReason'], ['TaxExemptionReasonCode']);
      }
    }
  }

  const total = child(doc, 'LegalMonetaryTotal');
  if (total === undefined) found.push(`${doc.path}/LegalMonetaryTotal`);
  else {
    for (const name of ['LineExtensionAmount', 'TaxExclusiveAmount', 'TaxInclusiveAmount', 'PayableAmount']) {
      needAmount(total, name);
    }
    for (const name of [
      'AllowanceTotalAmount',
      'ChargeTotalAmount',
      'PrepaidAmount',
      'PayableRoundingAmount',
    ]) {
      checkAmountIfPresent(total, name);
    }
  }

  const lineName = isCreditNote ? 'CreditNoteLine' : 'InvoiceLine';
  const quantityName = isCreditNote ? 'CreditedQuantity' : 'InvoicedQuantity';
  const lines = children(doc, lineName);
  if (lines.length === 0) found.push(`${doc.path}/${lineName}`);
  for (const line of lines) {
    need(line, 'ID');
    need(line, quantityName);
    if (child(line, quantityName)?.element.attributes.get('unitCode') === undefined) {
      found.push(`${line.path}/${quantityName}/@unitCode`);
    }
    needAmount(line, 'LineExtensionAmount');
    need(line, 'Item', 'Name');
    need(line, 'Price', 'PriceAmount');
    needTaxCategory(
      descend(line, 'Item', 'ClassifiedTaxCategory'),
      `${line.path}/Item/ClassifiedTaxCategory`,
    );
    for (const entry of children(line, 'AllowanceCharge')) needAllowanceCharge(entry, false);
  }
  return found;
};
