import type { InvoiceState, IssuedInvoice } from '@accrue/domain';
import { InvoiceCommand, invoiceDecider } from '@accrue/domain';
import { decode } from '@accrue/domain/testing';
import * as E from 'fp-ts/lib/Either.js';

import type { ProviderInvoice } from '../port.js';
import { toProviderInvoice } from '../providerInvoice.js';

/**
 * Approved invoices for provider tests, built by the real invoice decider (create draft → approve) and
 * flattened by `toProviderInvoice`, so every figure is what production would send.
 */
export interface SampleInvoiceOptions {
  readonly number?: string;
  readonly counter?: number;
  readonly invoiceId?: string;
  readonly tenantId?: string;
  readonly currency?: string;
  readonly pricesIncludeTax?: boolean;
  readonly lines?: ReadonlyArray<Record<string, unknown>>;
  readonly allowances?: ReadonlyArray<Record<string, unknown>>;
  readonly charges?: ReadonlyArray<Record<string, unknown>>;
  readonly customer?: Record<string, unknown>;
  readonly issueDate?: string;
  readonly dueDate?: string;
}

const bug = (message: string): never => {
  throw new Error(message);
};

const run = (command: unknown, state: InvoiceState): InvoiceState => {
  const events = invoiceDecider.decide(decode(InvoiceCommand, command), state);
  if (E.isLeft(events)) return bug(`sample invoice refused: ${JSON.stringify(events.left)}`);
  return events.right.reduce(invoiceDecider.evolve, state);
};

/** The issued invoice state (for adapters that need more than the flattened view). */
export const sampleIssuedInvoice = (options: SampleInvoiceOptions = {}): IssuedInvoice => {
  const address = {
    invoiceId: options.invoiceId ?? '7c1e4a50-3f1b-4b8e-9a57-0d6f2d9b1c01',
    tenantId: options.tenantId ?? 'tenant-a',
    now: '2026-11-02T09:00:00.000Z',
  };
  const currency = options.currency ?? 'EUR';
  const draft = run(
    {
      type: 'CreateDraftInvoice',
      data: {
        ...address,
        currency,
        customer: options.customer ?? {
          id: 'cust-42',
          name: 'Acme Trading GmbH',
          email: 'billing@acme.example',
          vatNumber: 'DE123456789',
          address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        },
        issueDate: options.issueDate ?? '2026-11-02',
        ...(options.dueDate === undefined ? {} : { dueDate: options.dueDate }),
        pricesIncludeTax: options.pricesIncludeTax ?? false,
        lines: options.lines ?? [
          {
            id: '1',
            description: 'Consulting',
            quantity: '3',
            netPrice: '120.50',
            vat: { category: 'S', rate: '19' },
          },
          {
            id: '2',
            description: 'Printed manual',
            quantity: '2',
            netPrice: '19.99',
            vat: { category: 'S', rate: '7' },
          },
        ],
        allowances: options.allowances ?? [
          { amount: '10.00', reason: 'Loyalty discount', vat: { category: 'S', rate: '19' } },
        ],
        charges: options.charges ?? [],
        notes: 'Thank you for your business.',
        reference: 'PO-2026-118',
      },
    },
    invoiceDecider.initialState,
  );
  const issued = run(
    {
      type: 'ApproveInvoice',
      data: {
        ...address,
        number: options.number ?? 'INV-2026-000001',
        counter: options.counter ?? Number((options.number ?? 'INV-2026-000001').slice(-6)),
      },
    },
    draft,
  );
  return issued._tag === 'IssuedInvoice' ? issued : bug('sample invoice not issued');
};

export const sampleProviderInvoice = (options: SampleInvoiceOptions = {}): ProviderInvoice => {
  const flattened = toProviderInvoice(sampleIssuedInvoice(options));
  return E.isRight(flattened) ? flattened.right : bug(`sample invoice not flattened: ${flattened.left._tag}`);
};

/** The four currencies/shapes every adapter's amount mapping is checked with. */
export const amountMappingSamples = {
  /** Two decimals, two VAT rates, a document allowance. */
  EUR: () =>
    sampleProviderInvoice({ number: 'INV-2026-000101', invoiceId: '00000000-0000-4000-8000-000000000101' }),
  /** Zero decimals. */
  JPY: () =>
    sampleProviderInvoice({
      number: 'INV-2026-000102',
      invoiceId: '00000000-0000-4000-8000-000000000102',
      currency: 'JPY',
      lines: [
        {
          id: '1',
          description: 'Tea set',
          quantity: '3',
          netPrice: '1250',
          vat: { category: 'S', rate: '10' },
        },
        {
          id: '2',
          description: 'Rice crackers',
          quantity: '7',
          netPrice: '333',
          vat: { category: 'S', rate: '8' },
        },
      ],
      allowances: [],
    }),
  /** Three decimals. */
  KWD: () =>
    sampleProviderInvoice({
      number: 'INV-2026-000103',
      invoiceId: '00000000-0000-4000-8000-000000000103',
      currency: 'KWD',
      lines: [
        {
          id: '1',
          description: 'Service',
          quantity: '2',
          netPrice: '12.345',
          vat: { category: 'S', rate: '5' },
        },
        {
          id: '2',
          description: 'Parts',
          quantity: '1',
          netPrice: '0.999',
          vat: { category: 'Z', rate: '0' },
        },
      ],
      allowances: [],
    }),
  /** Prices include VAT: net amounts and taxes are derived. */
  EUR_INCLUSIVE: () =>
    sampleProviderInvoice({
      number: 'INV-2026-000104',
      invoiceId: '00000000-0000-4000-8000-000000000104',
      pricesIncludeTax: true,
      lines: [
        {
          id: '1',
          description: 'Gift box',
          quantity: '3',
          netPrice: '19.99',
          vat: { category: 'S', rate: '21' },
        },
        { id: '2', description: 'Book', quantity: '1', netPrice: '24.95', vat: { category: 'S', rate: '9' } },
      ],
      allowances: [],
    }),
} as const;
