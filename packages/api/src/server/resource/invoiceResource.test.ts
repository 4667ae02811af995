import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import type { CivilDate, FrozenTotals, FrozenVatBreakdownEntry } from '@accrue/domain';
import {
  InvoiceContent,
  calculateInvoice,
  freezeAmount,
  freezeTotals,
  freezeVatBreakdown,
  toCalculationInput,
} from '@accrue/domain';
import type { InvoiceDetailView } from '@accrue/projections';
import { invoiceFigures } from '@accrue/projections';

import { camelCaseKeys } from '../graphql/camelCase.js';
import { invoiceObject } from '../graphql/invoiceObject.js';
import { invoiceResource } from './invoiceResource.js';

const content = (wire: Record<string, unknown>): InvoiceContent => {
  const decoded = InvoiceContent.decode({
    series: 'INV',
    currency: 'EUR',
    customer: { id: 'cust-1', name: 'Buyer GmbH' },
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    pricesIncludeTax: false,
    lines: [],
    allowances: [],
    charges: [],
    rounding: 'half_away_from_zero',
    ...wire,
  });
  if (E.isLeft(decoded)) throw new Error('test content does not decode');
  return decoded.right;
};

const S19 = { category: 'S', rate: '19' };

/** Contents that exercise every figure: percentages, gross prices, inclusive prices, base quantities… */
const contents = {
  simple: content({
    lines: [
      { id: '1', description: 'Consulting', quantity: '10', netPrice: '100.00', vat: S19 },
      { id: '2', quantity: '1', netPrice: '200', vat: S19, unitCode: 'HUR' },
    ],
  }),
  everything: content({
    customer: {
      id: 'cust-2',
      name: 'Käufer AG',
      email: 'ap@kaeufer.example',
      vatNumber: 'DE123456789',
      address: { line1: 'Hauptstr. 1', line2: 'Hof', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    paymentTermsDays: 30,
    notes: 'Thank you',
    reference: 'PO-7',
    prepaidAmount: '10',
    lines: [
      {
        id: 'a',
        quantity: '3.5',
        grossPrice: '40',
        priceDiscount: '2.5',
        baseQuantity: '2',
        vat: { category: 'S', rate: '7' },
        allowances: [{ percent: '10', reason: 'loyalty' }, { amount: '1.5' }],
        charges: [{ percent: '2.5', baseAmount: '50', reason: 'handling' }],
      },
      { id: 'b', quantity: '1', netPrice: '0.333', vat: { category: 'Z', rate: '0' } },
      {
        id: 'c',
        quantity: '1',
        netPrice: '50',
        vat: { category: 'E', exemptionReason: 'Art. 132' },
      },
    ],
    allowances: [
      { percent: '5', vat: { category: 'S', rate: '7' }, reason: 'volume' },
      { amount: '3', vat: S19 },
    ],
    charges: [{ percent: '1', baseAmount: '100', vat: S19, reasonCode: 'FC' }],
  }),
  inclusive: content({
    pricesIncludeTax: true,
    currency: 'SEK',
    lines: [
      { id: '1', quantity: '3', netPrice: '4.9715', vat: { category: 'S', rate: '25' } },
      { id: '2', quantity: '2', netPrice: '119', vat: S19, allowances: [{ percent: '12.5' }] },
    ],
    allowances: [{ percent: '3', vat: { category: 'S', rate: '25' } }],
  }),
  // A draft still in progress: a line without a price does not calculate.
  unpriced: content({
    lines: [
      { id: '1', quantity: '2', vat: S19, allowances: [{ percent: '10' }, { amount: '5' }] },
      { id: '2', quantity: '1', netPrice: '10', vat: S19 },
    ],
    allowances: [{ percent: '5', vat: S19 }],
  }),
};

const view = (
  decoded: InvoiceContent,
  detail: Readonly<Record<string, unknown>>,
  issued?: { totals: FrozenTotals; vatBreakdown: ReadonlyArray<FrozenVatBreakdownEntry> },
): InvoiceDetailView => ({
  invoiceId: 'inv-1',
  number: issued === undefined ? null : 'INV-2026-000001',
  status: issued === undefined ? 'draft' : 'approved',
  overdue: undefined,
  customer: { id: decoded.customer.id, name: decoded.customer.name },
  issueDate: '2026-03-01' as CivilDate,
  dueDate: '2026-03-31' as CivilDate,
  currency: decoded.currency,
  payable: issued === undefined ? null : issued.totals.payableAmount,
  amountPaid: '0.00',
  amountCredited: '0.00',
  amountWrittenOff: '0.00',
  amountDue: issued === undefined ? null : issued.totals.payableAmount,
  totals: issued?.totals ?? null,
  vatBreakdown: issued?.vatBreakdown ?? null,
  creditNotes: [],
  providerSync: {},
  detail: { createdAt: '2026-03-01T09:00:00Z', channels: [], deliveredChannels: [], payments: [], ...detail },
  streamVersion: issued === undefined ? 1 : 2,
  position: 7n,
  updatedAt: '2026-03-01T09:00:00Z',
});

/** The detail as the projection stores it and reads it back: JSON text, with the figures beside the content. */
const stored = (decoded: InvoiceContent): Readonly<Record<string, unknown>> =>
  JSON.parse(
    JSON.stringify({ content: InvoiceContent.encode(decoded), figures: invoiceFigures(decoded) }),
  ) as Readonly<Record<string, unknown>>;

const withoutFigures = (decoded: InvoiceContent): Readonly<Record<string, unknown>> => ({
  content: InvoiceContent.encode(decoded),
});

describe('invoice resource', () => {
  for (const [name, decoded] of Object.entries(contents)) {
    it(`copies the projection's figures to what calculating gives (${name})`, () => {
      expect(invoiceFigures(decoded) === null).toBe(name === 'unpriced');
      expect(invoiceResource(view(decoded, stored(decoded)))).toEqual(
        invoiceResource(view(decoded, withoutFigures(decoded))),
      );
      const calculated = calculateInvoice(toCalculationInput(decoded), { rounding: decoded.rounding });
      if (E.isRight(calculated)) {
        // Issued: the frozen totals win over the figures (here: made different to tell them apart).
        const totals = {
          ...freezeTotals(calculated.right.totals, decoded.currency),
          prepaidAmount: freezeAmount(1n, decoded.currency),
        };
        const issued = {
          totals,
          vatBreakdown: freezeVatBreakdown(calculated.right.vatBreakdown, decoded.currency),
        };
        const resource = invoiceResource(view(decoded, stored(decoded), issued));
        expect(resource).toEqual(invoiceResource(view(decoded, withoutFigures(decoded), issued)));
        expect(resource.totals?.prepaid_amount).toBe(freezeAmount(1n, decoded.currency));
      }
    });
  }

  it('refuses a damaged detail even when it has figures', () => {
    const decoded = contents.simple;
    const detail = stored(decoded);
    const content = detail['content'] as Record<string, unknown>;
    const damaged = { ...detail, content: { ...content, lines: [{ id: '1', quantity: 10, vat: S19 }] } };
    expect(() => invoiceResource(view(decoded, damaged))).toThrow(/does not decode/);
  });

  it('is served by GraphQL in camelCase, field for field', () => {
    for (const decoded of Object.values(contents)) {
      const resource = invoiceResource(view(decoded, stored(decoded)));
      expect(invoiceObject(resource)).toEqual(camelCaseKeys(resource));
    }
  });
});
