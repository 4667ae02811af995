import type { CreditNoteIssued, DraftInvoice, IssuedInvoice } from '@accrue/domain';
import {
  CreditNoteIssued as CreditNoteIssuedCodec,
  Customer,
  InvoiceContent,
  calculateInvoice,
  freezeTotals,
  freezeVatBreakdown,
  toCalculationInput,
} from '@accrue/domain';
import { XMLParser } from 'fast-xml-parser';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { compareWithStated } from './compare.js';
import { readUbl } from './read.js';
import { writeUblForCreditNote, writeUblForInvoice } from './write.js';
import { missingUblElements } from './writeCheck.js';
import { UblPostalAddress, UblSeller } from './writeModel.js';

const right = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
  return result.right;
};

const seller = right(
  UblSeller.decode({
    name: 'Acme AB',
    vatId: 'SE556677889901',
    address: { streetName: 'Storgatan 1', cityName: 'Stockholm', postalZone: '11122', countryCode: 'SE' },
    endpoint: { scheme: '0007', id: '5566778899' },
  }),
);

const customer = {
  id: 'cust-1',
  name: 'Buyer & Sons <Ltd>',
  email: 'ap@buyer.example',
  vatNumber: 'DE123456789',
  address: { line1: 'Hauptstraße 5', city: 'Berlin', postalCode: '10115', country: 'DE' },
};

const draftOf = (content: Record<string, unknown>): DraftInvoice => ({
  _tag: 'DraftInvoice',
  invoiceId: 'draft-1' as DraftInvoice['invoiceId'],
  tenantId: 'acme' as DraftInvoice['tenantId'],
  content: right(
    InvoiceContent.decode({
      series: 'INV',
      currency: 'EUR',
      customer,
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
      pricesIncludeTax: false,
      allowances: [],
      charges: [],
      rounding: 'half_away_from_zero',
      ...content,
    }),
  ),
});

/** An issued invoice as approval leaves it: content plus the totals frozen from its calculation. */
const issuedOf = (draft: DraftInvoice): IssuedInvoice => {
  const calculation = right(calculateInvoice(toCalculationInput(draft.content)));
  const { currency } = draft.content;
  return {
    _tag: 'IssuedInvoice',
    invoiceId: draft.invoiceId,
    tenantId: draft.tenantId,
    status: 'approved',
    content: draft.content,
    number: 'INV-2026-000007' as IssuedInvoice['number'],
    counter: 7 as IssuedInvoice['counter'],
    currency,
    totals: freezeTotals(calculation.totals, currency),
    vatBreakdown: freezeVatBreakdown(calculation.vatBreakdown, currency),
    payableAmount: calculation.totals.payableAmount,
    paidAmount: 0n,
    creditedAmount: 0n,
    writtenOffAmount: 0n,
    payments: [],
    creditNotes: [],
    channels: [],
    deliveredChannels: [],
  };
};

const S25 = { category: 'S', rate: '25' };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['InvoiceLine', 'CreditNoteLine', 'TaxSubtotal', 'AllowanceCharge'].includes(name),
});

type Tree = Record<string, unknown>;
/** XPath-like lookup over fast-xml-parser's object tree: `at(doc, 'Invoice', 'TaxTotal', 'TaxAmount')`. */
const at = (tree: unknown, ...names: ReadonlyArray<string | number>): unknown =>
  names.reduce<unknown>((current, name) => (current as Tree | undefined)?.[name], tree);
const textOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && '#text' in value ? (value as Tree)['#text'] : value;

/** Export, check the mandatory elements, re-read, recompute: the export must state nothing it contradicts. */
const exportAndReread = (invoice: DraftInvoice | IssuedInvoice) => {
  const xml = right(writeUblForInvoice({ invoice, seller }));
  expect(right(missingUblElements(xml))).toEqual([]);
  const document = right(readUbl(xml));
  const calculation = right(calculateInvoice(document.calculationInput));
  expect(compareWithStated(document, calculation)).toEqual([]);
  return { xml, tree: parser.parse(xml) as Tree, document, calculation };
};

describe('writeUblForInvoice', () => {
  it('writes a draft with its id, Peppol identifiers, parties and computed totals', () => {
    const { xml, tree, calculation } = exportAndReread(
      draftOf({
        reference: 'PO-77',
        notes: 'Thanks',
        lines: [
          { id: '1', description: 'Widget', quantity: '3', netPrice: '19.99', unitCode: 'H87', vat: S25 },
          {
            id: '2',
            description: 'Gadget',
            quantity: '2',
            grossPrice: '50',
            priceDiscount: '5',
            baseQuantity: '1',
            vat: S25,
            allowances: [{ percent: '10', reason: 'Loyalty' }],
            charges: [{ amount: '1.50', reasonCode: 'ABK' }],
          },
        ],
        allowances: [{ amount: '5.00', vat: S25 }],
        charges: [{ percent: '2', reason: 'Freight', vat: S25 }],
        prepaidAmount: '10.00',
        payableRoundingAmount: '0.01',
      }),
    );
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns=')).toBe(true);
    expect(at(tree, 'Invoice', 'ID')).toBe('draft-1');
    expect(at(tree, 'Invoice', 'InvoiceTypeCode')).toBe('380');
    expect(at(tree, 'Invoice', 'DueDate')).toBe('2026-03-31');
    expect(at(tree, 'Invoice', 'BuyerReference')).toBe('PO-77');
    expect(at(tree, 'Invoice', 'CustomizationID')).toBe(
      'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
    );
    expect(at(tree, 'Invoice', 'ProfileID')).toBe('urn:fdc:peppol.eu:2017:poacc:billing:01:1.0');
    const buyer = at(tree, 'Invoice', 'AccountingCustomerParty', 'Party');
    expect(at(buyer, 'PartyLegalEntity', 'RegistrationName')).toBe('Buyer & Sons <Ltd>');
    expect(at(buyer, 'EndpointID', '@schemeID')).toBe('EM');
    expect(at(buyer, 'PostalAddress', 'Country', 'IdentificationCode')).toBe('DE');
    const supplier = at(tree, 'Invoice', 'AccountingSupplierParty', 'Party');
    expect(at(supplier, 'PartyTaxScheme', 'CompanyID')).toBe('SE556677889901');
    expect(at(supplier, 'EndpointID', '#text')).toBe('5566778899');
    // 3 × 19.99 = 59.97; 2 × 45 = 90 − 9 (10 %) + 1.50 = 82.50; lines 142.47; −5 + 2 % of 142.47 (2.85) = 140.32
    const total = at(tree, 'Invoice', 'LegalMonetaryTotal');
    expect(textOf(at(total, 'LineExtensionAmount'))).toBe('142.47');
    expect(textOf(at(total, 'AllowanceTotalAmount'))).toBe('5.00');
    expect(textOf(at(total, 'ChargeTotalAmount'))).toBe('2.85');
    expect(textOf(at(total, 'TaxExclusiveAmount'))).toBe('140.32');
    // VAT 25 % of 140.32 = 35.08; 175.40 − 10.00 + 0.01
    expect(textOf(at(total, 'TaxInclusiveAmount'))).toBe('175.40');
    expect(textOf(at(total, 'PrepaidAmount'))).toBe('10.00');
    expect(textOf(at(total, 'PayableRoundingAmount'))).toBe('0.01');
    expect(textOf(at(total, 'PayableAmount'))).toBe('165.41');
    const line2 = at(tree, 'Invoice', 'InvoiceLine', 1);
    expect(at(line2, 'Price', 'PriceAmount', '#text')).toBe('45');
    expect(at(line2, 'Price', 'AllowanceCharge', 0, 'BaseAmount', '#text')).toBe('50');
    expect(at(line2, 'Price', 'AllowanceCharge', 0, 'Amount', '#text')).toBe('5');
    expect(at(line2, 'AllowanceCharge', 0, 'MultiplierFactorNumeric')).toBe('10');
    expect(at(line2, 'AllowanceCharge', 0, 'BaseAmount', '#text')).toBe('90.00');
    expect(at(line2, 'AllowanceCharge', 1, 'AllowanceChargeReasonCode')).toBe('ABK');
    expect(at(tree, 'Invoice', 'InvoiceLine', 0, 'InvoicedQuantity', '@unitCode')).toBe('H87');
    expect(at(tree, 'Invoice', 'AllowanceCharge', 0, 'AllowanceChargeReason')).toBe('Discount');
    expect(at(tree, 'Invoice', 'AllowanceCharge', 1, 'TaxCategory', 'Percent')).toBe('25');
    expect(calculation.totals.payableAmount).toBe(16541n);
  });

  it('writes JPY amounts without decimals', () => {
    const { tree } = exportAndReread(
      draftOf({
        currency: 'JPY',
        lines: [
          {
            id: '1',
            description: 'お茶',
            quantity: '3',
            netPrice: '333.5',
            vat: { category: 'S', rate: '10' },
          },
        ],
      }),
    );
    const total = at(tree, 'Invoice', 'LegalMonetaryTotal');
    // 3 × 333.5 = 1000.5 → 1001 yen; VAT 100.1 → 100
    expect(textOf(at(total, 'LineExtensionAmount'))).toBe('1001');
    expect(at(total, 'LineExtensionAmount', '@currencyID')).toBe('JPY');
    expect(textOf(at(total, 'PayableAmount'))).toBe('1101');
    expect(textOf(at(tree, 'Invoice', 'TaxTotal', 'TaxAmount'))).toBe('100');
  });

  it.each(['KWD', 'BHD', 'CLF'])(
    'refuses %s, whose amounts have more than 2 decimals (BR-DEC)',
    (currency) => {
      const written = writeUblForInvoice({
        invoice: draftOf({
          currency,
          lines: [{ id: '1', description: 'Item', quantity: '1', netPrice: '1.234', vat: S25 }],
        }),
        seller,
      });
      expect(E.isLeft(written) && written.left).toMatchObject({
        _tag: 'CurrencyPrecisionUnsupported',
        rule: 'BR-DEC',
        currency,
      });
    },
  );

  it('writes tax-inclusive lines as their derived nets: price = net, base quantity = quantity', () => {
    const draft = draftOf({
      pricesIncludeTax: true,
      lines: [
        { id: '1', description: 'Boxed tea', quantity: '3', netPrice: '12.50', vat: S25 },
        {
          id: '2',
          description: 'Cups',
          quantity: '2',
          netPrice: '10.00',
          vat: { category: 'S', rate: '12' },
          allowances: [{ amount: '2.00' }],
        },
      ],
    });
    const inclusive = right(calculateInvoice(toCalculationInput(draft.content)));
    const { tree, calculation } = exportAndReread(draft);
    // 37.50 incl. 25 % → 30.00 + 7.50; 18.00 incl. 12 % → 16.07 + 1.93; total 55.50 as entered
    expect(calculation.totals).toEqual(inclusive.totals);
    expect(calculation.totals.taxInclusiveAmount).toBe(5550n);
    const line1 = at(tree, 'Invoice', 'InvoiceLine', 0);
    expect(at(line1, 'Price', 'PriceAmount', '#text')).toBe('30.00');
    expect(at(line1, 'Price', 'BaseQuantity', '#text')).toBe('3');
    expect(at(line1, 'LineExtensionAmount', '#text')).toBe('30.00');
    expect(at(tree, 'Invoice', 'InvoiceLine', 1, 'Price', 'PriceAmount', '#text')).toBe('16.07');
    expect(at(tree, 'Invoice', 'InvoiceLine', 1, 'AllowanceCharge')).toBeUndefined();
  });

  it('states the kept inclusive total where no net reaches it, one cent from a recomputation (ADR 0002)', () => {
    // 0.07 incl. 25 %: no N has N + round(N × 25 %) = 7 cents; N = 6, VAT kept at 1 cent, round(6 × 25 %) = 2
    const xml = right(
      writeUblForInvoice({
        invoice: draftOf({
          pricesIncludeTax: true,
          lines: [{ id: '1', description: 'Sweet', quantity: '1', netPrice: '0.07', vat: S25 }],
        }),
        seller,
      }),
    );
    const document = right(readUbl(xml));
    const mismatches = compareWithStated(document, right(calculateInvoice(document.calculationInput)));
    expect(mismatches.map((entry) => entry.what)).toEqual([
      'tax_amount',
      'tax_inclusive_amount',
      'payable_amount',
      'tax_breakdown S 25 tax_amount',
    ]);
  });

  it('writes a negative tax-inclusive net with a price of 0 and a line allowance', () => {
    const { tree } = exportAndReread(
      draftOf({
        pricesIncludeTax: true,
        lines: [
          { id: '1', description: 'Item', quantity: '1', netPrice: '100.00', vat: S25 },
          {
            id: '2',
            description: 'Returned deposit',
            quantity: '1',
            netPrice: '1.00',
            vat: S25,
            allowances: [{ amount: '6.00' }],
          },
        ],
      }),
    );
    const line2 = at(tree, 'Invoice', 'InvoiceLine', 1);
    expect(at(line2, 'Price', 'PriceAmount', '#text')).toBe('0.00');
    expect(at(line2, 'AllowanceCharge', 0, 'ChargeIndicator')).toBe('false');
    expect(at(line2, 'LineExtensionAmount', '#text')).toBe('-4.00');
  });

  it('writes credit-note content as a CreditNote (381) with CreditNoteLine and the due date in PaymentMeans', () => {
    const { tree, document } = exportAndReread(
      draftOf({
        documentType: 'credit_note',
        lines: [{ id: '1', description: 'Refund', quantity: '1', netPrice: '80', vat: S25 }],
      }),
    );
    expect(document.kind).toBe('CreditNote');
    expect(document.dueDate).toBe('2026-03-31');
    expect(at(tree, 'CreditNote', 'CreditNoteTypeCode')).toBe('381');
    expect(at(tree, 'CreditNote', 'DueDate')).toBeUndefined();
    expect(at(tree, 'CreditNote', 'CreditNoteLine', 0, 'CreditedQuantity', '@unitCode')).toBe('C62');
    expect(textOf(at(tree, 'CreditNote', 'LegalMonetaryTotal', 'PayableAmount'))).toBe('100.00');
  });

  it('writes exemption reasons for E, AE, K, G and O only, given or by default', () => {
    const { tree } = exportAndReread(
      draftOf({
        lines: [
          {
            id: '1',
            description: 'Taxed',
            quantity: '1',
            netPrice: '100',
            vat: { ...S25, exemptionReason: 'x' },
          },
          {
            id: '2',
            description: 'Exempt',
            quantity: '1',
            netPrice: '50',
            vat: {
              category: 'E',
              rate: '0',
              exemptionReason: 'Art. 132 (1)(i)',
              exemptionReasonCode: 'VATEX-EU-132-1I',
            },
          },
          {
            id: '3',
            description: 'Reverse',
            quantity: '1',
            netPrice: '20',
            vat: { category: 'AE', rate: '0' },
          },
          {
            id: '4',
            description: 'Intra EU',
            quantity: '1',
            netPrice: '10',
            vat: { category: 'K', rate: '0' },
          },
          { id: '5', description: 'Export', quantity: '1', netPrice: '5', vat: { category: 'G', rate: '0' } },
        ],
      }),
    );
    const subtotals = at(tree, 'Invoice', 'TaxTotal', 'TaxSubtotal') as ReadonlyArray<unknown>;
    const reasons = subtotals.map((subtotal) => [
      at(subtotal, 'TaxCategory', 'ID'),
      at(subtotal, 'TaxCategory', 'TaxExemptionReasonCode'),
      at(subtotal, 'TaxCategory', 'TaxExemptionReason'),
    ]);
    expect(reasons).toEqual([
      ['S', undefined, undefined],
      ['E', 'VATEX-EU-132-1I', 'Art. 132 (1)(i)'],
      ['AE', 'VATEX-EU-AE', 'Reverse charge'],
      ['K', 'VATEX-EU-IC', 'Intra-Community supply'],
      ['G', 'VATEX-EU-G', 'Export outside the EU'],
    ]);
    // Peppol keeps exemption reasons out of the line's ClassifiedTaxCategory.
    expect(
      at(tree, 'Invoice', 'InvoiceLine', 1, 'Item', 'ClassifiedTaxCategory', 'TaxExemptionReason'),
    ).toBeUndefined();
  });

  it('writes an O-only invoice without any VAT identifier (BR-O-02) and with VATEX-EU-O', () => {
    const { tree } = exportAndReread(
      draftOf({
        lines: [{ id: '1', description: 'Interest', quantity: '1', netPrice: '12', vat: { category: 'O' } }],
      }),
    );
    expect(at(tree, 'Invoice', 'AccountingSupplierParty', 'Party', 'PartyTaxScheme')).toBeUndefined();
    expect(at(tree, 'Invoice', 'AccountingCustomerParty', 'Party', 'PartyTaxScheme')).toBeUndefined();
    expect(at(tree, 'Invoice', 'TaxTotal', 'TaxSubtotal', 0, 'TaxCategory', 'Percent')).toBeUndefined();
    expect(at(tree, 'Invoice', 'TaxTotal', 'TaxSubtotal', 0, 'TaxCategory', 'TaxExemptionReasonCode')).toBe(
      'VATEX-EU-O',
    );
  });

  it('writes an issued invoice under its number with its frozen totals', () => {
    const draft = draftOf({
      lines: [{ id: '1', description: 'Widget', quantity: '2', netPrice: '9.99', vat: S25 }],
    });
    const { tree } = exportAndReread(issuedOf(draft));
    expect(at(tree, 'Invoice', 'ID')).toBe('INV-2026-000007');
    expect(textOf(at(tree, 'Invoice', 'LegalMonetaryTotal', 'PayableAmount'))).toBe('24.98');
  });

  it('refuses an issued invoice whose frozen totals the calculation no longer reproduces', () => {
    const issued = issuedOf(
      draftOf({ lines: [{ id: '1', description: 'Widget', quantity: '2', netPrice: '9.99', vat: S25 }] }),
    );
    const drifted: IssuedInvoice = {
      ...issued,
      totals: { ...issued.totals, taxAmount: '4.99' as IssuedInvoice['totals']['taxAmount'] },
    };
    expect(writeUblForInvoice({ invoice: drifted, seller })).toEqual(
      E.left({
        _tag: 'FrozenTotalsNotReproduced',
        differences: [{ what: 'taxAmount', frozen: '4.99', computed: '5.00' }],
      }),
    );
  });

  it('refuses what EN 16931 requires and the content lacks', () => {
    const noName = writeUblForInvoice({
      invoice: draftOf({ lines: [{ id: '1', quantity: '1', netPrice: '1', vat: S25 }] }),
      seller,
    });
    expect(E.isLeft(noName) && noName.left).toMatchObject({ _tag: 'MissingBusinessTerm', term: 'BT-153' });
    const noAddress = draftOf({
      lines: [{ id: '1', description: 'x', quantity: '1', netPrice: '1', vat: S25 }],
    });
    const withoutAddress: DraftInvoice = {
      ...noAddress,
      content: {
        ...noAddress.content,
        customer: { id: noAddress.content.customer.id, name: noAddress.content.customer.name },
      },
    };
    const missingCountry = writeUblForInvoice({ invoice: withoutAddress, seller });
    expect(E.isLeft(missingCountry) && missingCountry.left).toMatchObject({ term: 'BT-55' });
    const fallback = writeUblForInvoice({
      invoice: withoutAddress,
      seller,
      buyerAddress: right(UblPostalAddress.decode({ countryCode: 'FR' })),
    });
    expect(E.isRight(fallback) && fallback.right).toContain(
      '<cbc:IdentificationCode>FR</cbc:IdentificationCode>',
    );
    const { vatId: _vatId, ...withoutVat } = seller;
    const noVat = writeUblForInvoice({ invoice: noAddress, seller: withoutVat });
    expect(E.isLeft(noVat) && noVat.left).toMatchObject({ term: 'BT-31', path: 'seller.vatId' });
  });

  it('is deterministic', () => {
    const draft = draftOf({
      lines: [{ id: '1', description: 'Widget', quantity: '1', netPrice: '1', vat: S25 }],
    });
    expect(writeUblForInvoice({ invoice: draft, seller })).toEqual(
      writeUblForInvoice({ invoice: draft, seller }),
    );
  });
});

describe('writeUblForCreditNote', () => {
  const issued = (): CreditNoteIssued['data'] => {
    const content = {
      lines: [{ id: '1', description: 'Returned widget', quantity: '2', netPrice: '9.99', vat: S25 }],
      allowances: [],
      charges: [],
      pricesIncludeTax: false,
      rounding: 'half_away_from_zero',
    };
    return right(
      CreditNoteIssuedCodec.decode({
        type: 'CreditNoteIssued',
        data: {
          creditNoteId: 'cn-1',
          tenantId: 'acme',
          number: 'CN-2026-000001',
          invoiceId: 'inv-1',
          invoiceNumber: 'INV-2026-000007',
          currency: 'EUR',
          reason: 'Goods returned',
          issueDate: '2026-03-10',
          content,
          totals: {
            lineExtensionAmount: '19.98',
            allowanceTotalAmount: '0.00',
            chargeTotalAmount: '0.00',
            taxExclusiveAmount: '19.98',
            taxAmount: '5.00',
            taxInclusiveAmount: '24.98',
            prepaidAmount: '0.00',
            payableRoundingAmount: '0.00',
            payableAmount: '24.98',
          },
          vatBreakdown: [{ category: 'S', rate: '25', taxableAmount: '19.98', taxAmount: '5.00' }],
          issuedAt: '2026-03-10T09:00:00Z',
        },
      }),
    ).data;
  };

  it('writes a CreditNote (381) under its number, referencing the credited invoice (BT-25)', () => {
    const xml = right(
      writeUblForCreditNote({
        creditNote: issued(),
        customer: right(Customer.decode(customer)),
        seller,
      }),
    );
    expect(right(missingUblElements(xml))).toEqual([]);
    const tree = parser.parse(xml) as Tree;
    expect(at(tree, 'CreditNote', 'ID')).toBe('CN-2026-000001');
    expect(at(tree, 'CreditNote', 'CreditNoteTypeCode')).toBe('381');
    expect(at(tree, 'CreditNote', 'Note')).toBe('Goods returned');
    expect(at(tree, 'CreditNote', 'BillingReference', 'InvoiceDocumentReference', 'ID')).toBe(
      'INV-2026-000007',
    );
    const document = right(readUbl(xml));
    expect(compareWithStated(document, right(calculateInvoice(document.calculationInput)))).toEqual([]);
    expect(document.stated.totals.payableAmount?.toFixed(2)).toBe('24.98');
  });
});
