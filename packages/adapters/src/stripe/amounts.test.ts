import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ProviderInvoice } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { StripeHarness } from './testing/harness.js';
import { HARNESS_SECRET_KEY, createStripeHarness } from './testing/harness.js';

/**
 * What goes on the wire, field by field: the amounts are worked out by hand from the fixtures (ADR 11's
 * allocation, Stripe's units), not read back from the adapter's own code.
 */

let harness: StripeHarness;
beforeEach(async () => {
  harness = await createStripeHarness();
});
afterEach(async () => {
  await harness.close();
});

const posts = (path: RegExp) =>
  harness.server.requests.filter((request) => request.method === 'POST' && path.test(request.path));

/** The form body of a request as name → value, exactly as sent. */
const form = (path: RegExp, index = 0): Record<string, string> => {
  const request = posts(path)[index];
  if (request === undefined) throw new Error(`no POST ${String(path)}`);
  expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
};

const issue = async (invoice: ProviderInvoice, key = `issue-${invoice.invoiceId}`) =>
  harness.provider.issue({ idempotencyKey: idempotencyKey(key), input: invoice })();

const ADD_LINES = /^\/v1\/invoices\/[^/]+\/add_lines$/;

const taxFields = (line: number, amount: string, taxable: string, percentage: string, reason: string) => ({
  [`lines[${line}][tax_amounts][0][amount]`]: amount,
  [`lines[${line}][tax_amounts][0][taxable_amount]`]: taxable,
  [`lines[${line}][tax_amounts][0][tax_rate_data][display_name]`]: 'VAT',
  [`lines[${line}][tax_amounts][0][tax_rate_data][inclusive]`]: 'false',
  [`lines[${line}][tax_amounts][0][tax_rate_data][percentage]`]: percentage,
  [`lines[${line}][tax_amounts][0][tax_rate_data][tax_type]`]: 'vat',
  [`lines[${line}][tax_amounts][0][taxability_reason]`]: reason,
});

describe('Stripe amount mapping on the wire', () => {
  it('EUR: cents; the 10.00 allowance is a negative line with its share of the 19 % tax', async () => {
    const invoice = amountMappingSamples.EUR();
    // 3 × 120.50 = 361.50 and 2 × 19.99 = 39.98; 19 % of (361.50 − 10.00) = 66.785 → 66.79, split 68.69 to
    // the line and −0.19 to the allowance; 7 % of 39.98 = 2.7986 → 2.80. Payable 391.48 + 69.59 = 461.07.
    expect(invoice.totals.payableAmount).toBe(46107n);
    expect(E.isRight(await issue(invoice))).toBe(true);
    const body = form(ADD_LINES);
    expect(body).toMatchObject({
      'lines[0][amount]': '36150',
      'lines[0][description]': 'Consulting (3 × 120.50)',
      ...taxFields(0, '6869', '36150', '19', 'standard_rated'),
      'lines[1][amount]': '3998',
      ...taxFields(1, '280', '3998', '7', 'standard_rated'),
      'lines[2][amount]': '-1000',
      'lines[2][description]': 'Loyalty discount',
      ...taxFields(2, '-190', '-1000', '19', 'standard_rated'),
      'invoice_metadata[accrue_line_batches]': '1',
    });
    expect(Object.keys(body).some((name) => name.startsWith('lines[3]'))).toBe(false);
    expect(Object.keys(body).some((name) => /price_data|quantity|tax_rates/.test(name))).toBe(false);
    const [stored] = harness.server.invoices();
    expect(stored === undefined ? undefined : harness.server.totals(stored)).toMatchObject({
      subtotal: 39148n,
      tax: 6959n,
      total: 46107n,
      amountDue: 46107n,
    });
  });

  it('JPY: whole yen, not multiplied by 100', async () => {
    const invoice = amountMappingSamples.JPY();
    // 3 × 1250 = 3750 at 10 % → 375; 7 × 333 = 2331 at 8 % → 186.48 → 186. Payable 6642.
    expect(invoice.totals.payableAmount).toBe(6642n);
    expect(E.isRight(await issue(invoice))).toBe(true);
    expect(form(/^\/v1\/invoices$/)).toMatchObject({ currency: 'jpy' });
    expect(form(ADD_LINES)).toMatchObject({
      'lines[0][amount]': '3750',
      ...taxFields(0, '375', '3750', '10', 'standard_rated'),
      'lines[1][amount]': '2331',
      ...taxFields(1, '186', '2331', '8', 'standard_rated'),
    });
    expect(harness.observed()[0]?.payableAmount).toBe(6642n);
  });

  it('KWD with a tax of 1.235: refused as currency_precision before any request', async () => {
    const invoice = amountMappingSamples.KWD();
    const before = harness.server.requests.length;
    const result = await issue(invoice);
    expect(E.isLeft(result) && result.left).toMatchObject({
      _tag: 'ProviderRejected',
      code: 'currency_precision',
      operation: 'issue',
    });
    if (E.isLeft(result)) expect(result.left.message).toMatch(/end in 0/);
    expect(harness.server.requests.length).toBe(before);
  });

  it('KWD whose every amount ends in 0: sent in fils (1/1000)', async () => {
    const invoice = sampleProviderInvoice({
      number: 'INV-2026-000105',
      invoiceId: '00000000-0000-4000-8000-000000000105',
      currency: 'KWD',
      lines: [
        {
          id: '1',
          description: 'Service',
          quantity: '2',
          netPrice: '10.500',
          vat: { category: 'S', rate: '5' },
        },
        {
          id: '2',
          description: 'Parts',
          quantity: '4',
          netPrice: '0.250',
          vat: { category: 'Z', rate: '0' },
        },
      ],
      allowances: [],
    });
    // 2 × 10.500 = 21.000 at 5 % → 1.050; 4 × 0.250 = 1.000 at 0 %. Payable 23.050 KWD.
    expect(invoice.totals.payableAmount).toBe(23050n);
    expect(E.isRight(await issue(invoice))).toBe(true);
    expect(form(/^\/v1\/invoices$/)).toMatchObject({ currency: 'kwd' });
    expect(form(ADD_LINES)).toMatchObject({
      'lines[0][amount]': '21000',
      ...taxFields(0, '1050', '21000', '5', 'standard_rated'),
      'lines[1][amount]': '1000',
      'lines[1][tax_amounts][0][amount]': '0',
      'lines[1][tax_amounts][0][tax_rate_data][display_name]': 'VAT (zero rated)',
      'lines[1][tax_amounts][0][tax_rate_data][percentage]': '0',
      'lines[1][tax_amounts][0][taxability_reason]': 'zero_rated',
    });
    expect(harness.observed()[0]).toMatchObject({ currency: 'KWD', payableAmount: 23050n, taxAmount: 1050n });
  });

  it('EUR tax-inclusive: net amounts with exclusive taxes, so Stripe adds up to the gross prices', async () => {
    const invoice = amountMappingSamples.EUR_INCLUSIVE();
    // 59.97 gross at 21 %: tax 59.97 × 21/121 = 10.408 → 10.41, net 49.56; 24.95 at 9 %: tax 2.0601 → 2.06,
    // net 22.89. Payable = the gross prices, 84.92.
    expect(invoice.totals.payableAmount).toBe(8492n);
    expect(E.isRight(await issue(invoice))).toBe(true);
    expect(form(ADD_LINES)).toMatchObject({
      'lines[0][amount]': '4956',
      'lines[0][description]': 'Gift box (3 × 19.99 incl. VAT)',
      ...taxFields(0, '1041', '4956', '21', 'standard_rated'),
      'lines[1][amount]': '2289',
      ...taxFields(1, '206', '2289', '9', 'standard_rated'),
    });
    expect(harness.observed()[0]).toMatchObject({ payableAmount: 8492n, taxAmount: 1247n });
  });

  it('the customer, the draft and the finalization: fields, keys, auth and API version', async () => {
    const invoice = amountMappingSamples.EUR();
    const key = 'sync-7f0c6c1e-issue';
    expect(E.isRight(await issue(invoice, key))).toBe(true);
    expect(form(/^\/v1\/customers$/)).toEqual({
      name: 'Acme Trading GmbH',
      email: 'billing@acme.example',
      'address[line1]': 'Hauptstraße 1',
      'address[city]': 'Berlin',
      'address[postal_code]': '10115',
      'address[country]': 'DE',
      'metadata[accrue_tenant_id]': 'tenant-a',
      'metadata[accrue_customer_id]': 'cust-42',
    });
    const customerId = harness.server.customers()[0]?.id ?? '';
    expect(form(/^\/v1\/invoices$/)).toEqual({
      currency: 'eur',
      collection_method: 'send_invoice',
      // Due 2026-12-02 (30 days), at 12:00 UTC.
      due_date: String(Date.UTC(2026, 11, 2, 12) / 1000),
      auto_advance: 'false',
      number: 'INV-2026-000101',
      pending_invoice_items_behavior: 'exclude',
      'metadata[accrue_tenant_id]': 'tenant-a',
      'metadata[accrue_invoice_id]': '00000000-0000-4000-8000-000000000101',
      'metadata[accrue_invoice_number]': 'INV-2026-000101',
      description: 'Thank you for your business.',
      'custom_fields[0][name]': 'Buyer reference',
      'custom_fields[0][value]': 'PO-2026-118',
      'custom_fields[1][name]': 'Customer VAT number',
      'custom_fields[1][value]': 'DE123456789',
      customer: customerId,
    });
    expect(form(/\/finalize$/)).toEqual({ auto_advance: 'false' });
    const mutating = harness.server.requests.filter((r) => r.method === 'POST');
    expect(mutating.map((r) => r.headers['idempotency-key'])).toEqual([
      `${key}:customer-create`,
      `${key}:invoice`,
      `${key}:lines-1`,
      `${key}:finalize`,
    ]);
    for (const request of harness.server.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${HARNESS_SECRET_KEY}`);
      expect(request.headers['stripe-version']).toBe('2026-10-28.endive');
    }
  });

  it('an invoice due on its issue date is "due on receipt": days_until_due=0, no timestamp', async () => {
    const invoice = sampleProviderInvoice({ issueDate: '2026-11-02', dueDate: '2026-11-02' });
    expect(E.isRight(await issue(invoice))).toBe(true);
    const body = form(/^\/v1\/invoices$/);
    expect(body['days_until_due']).toBe('0');
    expect(body['due_date']).toBeUndefined();
  });
});
