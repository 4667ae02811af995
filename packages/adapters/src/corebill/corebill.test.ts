import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import type { ProviderError, ProviderInvoice, ProviderPayment } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { invoiceProviderContract } from '../providers/testing/contract.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackRequest } from '../providers/testing/loopback.js';
import { CorebillConnectionConfig } from './config.js';
import { createCorebillProvider } from './provider.js';
import type { CorebillHarness, CorebillHarnessOptions } from './testing/harness.js';
import {
  COREBILL_COMPANY,
  COREBILL_CUSTOMER,
  COREBILL_TEST_KEY,
  corebillHarness,
} from './testing/harness.js';
import { verifyCorebillWebhook } from './webhook.js';

invoiceProviderContract('corebill', () => corebillHarness());
invoiceProviderContract('corebill (rounding to the currency scale)', () =>
  corebillHarness({ server: { roundingScale: 'currency' } }),
);

let open: CorebillHarness[] = [];
const harness = async (options: CorebillHarnessOptions = {}) => {
  const h = await corebillHarness(options);
  open.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()));
  open = [];
});

const key = (text: string) => idempotencyKey(text);
const issue = (h: CorebillHarness, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: key(`issue-${invoice.invoiceId}`), input: invoice })();

const right = <A>(result: E.Either<ProviderError, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected success, got ${result.left._tag}: ${result.left.message}`);
  return result.right;
};
const left = <A>(result: E.Either<ProviderError, A>): ProviderError => {
  if (E.isRight(result)) throw new Error('expected a failure');
  return result.left;
};

const creates = (h: CorebillHarness): ReadonlyArray<LoopbackRequest> =>
  h.server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/invoices');

interface WireLine {
  item_name: string;
  description?: string;
  quantity: number;
  unit?: string;
  unit_price: number;
}
interface WireBody {
  customer_id: string;
  issue_date: string;
  due_date: string;
  currency: string;
  notes: string;
  tax_rate: number;
  discount_type?: string;
  discount_value?: number;
  line_items: WireLine[];
}
const lastCreate = (h: CorebillHarness) => {
  const request = creates(h).at(-1);
  if (request === undefined) throw new Error('no create request');
  const text = request.rawBody.toString('utf8');
  return { text, json: JSON.parse(text) as WireBody };
};

const singleRate = (overrides: Parameters<typeof sampleProviderInvoice>[0] = {}) =>
  sampleProviderInvoice({
    number: 'INV-2026-000111',
    invoiceId: '00000000-0000-4000-8000-000000000111',
    lines: [
      {
        id: '1',
        description: 'Consulting',
        quantity: '3',
        netPrice: '120.50',
        vat: { category: 'S', rate: '19' },
      },
    ],
    ...overrides,
  });

describe('Corebill amount mapping: the exact figures on the wire', () => {
  it('one VAT rate: native, Corebill computes our VAT and total from tax_rate and a fixed discount', async () => {
    for (const roundingScale of ['two_decimals', 'currency'] as const) {
      const h = await harness({ server: { roundingScale } });
      const invoice = singleRate();
      expect(invoice.totals).toMatchObject({ taxAmount: 6679n, payableAmount: 41829n });
      right(await issue(h, invoice));
      const { text, json } = lastCreate(h);
      expect(json).toEqual({
        customer_id: COREBILL_CUSTOMER,
        issue_date: '2026-11-02',
        due_date: '2026-12-02',
        currency: 'EUR',
        notes:
          'Invoice reference: INV-2026-000111\nYour reference: PO-2026-118\n\nThank you for your business.',
        tax_rate: 19,
        discount_type: 'fixed',
        discount_value: 10,
        line_items: [{ item_name: 'Consulting', quantity: 3, unit_price: 120.5 }],
      });
      // Decimals as written, never through a float: "10.00" stays "10.00".
      expect(text).toContain('"discount_value":10.00,');
      expect(text).toContain('"unit_price":120.5}');
      expect(h.observed()[0]).toMatchObject({ payableAmount: 41829n, taxAmount: 6679n });
    }
  });

  it('EUR with two rates: itemised, one line per rate carries its VAT, tax_rate 0, the total is ours', async () => {
    const h = await harness();
    const invoice = amountMappingSamples.EUR();
    right(await issue(h, invoice));
    const { text, json } = lastCreate(h);
    expect(json.tax_rate).toBe(0);
    expect(json.discount_value).toBe(10);
    expect(json.line_items).toEqual([
      { item_name: 'Consulting', quantity: 3, unit_price: 120.5 },
      { item_name: 'Printed manual', quantity: 2, unit_price: 19.99 },
      { item_name: 'VAT 19%', description: 'on 351.50 EUR', quantity: 1, unit_price: 66.79 },
      { item_name: 'VAT 7%', description: 'on 39.98 EUR', quantity: 1, unit_price: 2.8 },
    ]);
    expect(text).toContain('"unit_price":2.80}');
    expect(h.observed()[0]).toMatchObject({ payableAmount: 46107n });
    expect(h.observed()[0]?.taxAmount).toBeUndefined();
    expect(h.corebill.invoices()[0]?.total).toBe(46107n);
  });

  it('JPY: native when Corebill cannot round the VAT differently, itemised when it could', async () => {
    const h = await harness();
    const exact = singleRate({
      number: 'INV-2026-000112',
      invoiceId: '00000000-0000-4000-8000-000000000112',
      currency: 'JPY',
      lines: [
        {
          id: '1',
          description: 'Tea set',
          quantity: '3',
          netPrice: '1250',
          vat: { category: 'S', rate: '10' },
        },
      ],
      allowances: [],
    });
    right(await issue(h, exact));
    expect(lastCreate(h).json).toMatchObject({
      tax_rate: 10,
      line_items: [{ item_name: 'Tea set', quantity: 3, unit_price: 1250 }],
    });
    expect(lastCreate(h).text).not.toContain('discount');
    // 8 % of 2 331 is 186.48: Corebill may keep the .48 (two decimals) where we have 186 yen.
    const ambiguous = singleRate({
      number: 'INV-2026-000113',
      invoiceId: '00000000-0000-4000-8000-000000000113',
      currency: 'JPY',
      lines: [
        {
          id: '1',
          description: 'Rice crackers',
          quantity: '7',
          netPrice: '333',
          vat: { category: 'S', rate: '8' },
        },
      ],
      allowances: [],
    });
    right(await issue(h, ambiguous));
    expect(lastCreate(h).json).toMatchObject({
      tax_rate: 0,
      line_items: [
        { item_name: 'Rice crackers', quantity: 7, unit_price: 333 },
        { item_name: 'VAT 8%', quantity: 1, unit_price: 186 },
      ],
    });
    expect(h.observed().map((o) => o.payableAmount)).toEqual([4125n, 2517n]);

    right(await issue(h, amountMappingSamples.JPY()));
    expect(h.observed()[2]?.payableAmount).toBe(6642n);
  });

  it('KWD: refused before any request when an amount needs the third decimal', async () => {
    const h = await harness();
    const error = left(await issue(h, amountMappingSamples.KWD()));
    expect(error).toMatchObject({
      _tag: 'ProviderRejected',
      code: 'currency_precision',
      provider: 'corebill',
    });
    expect(error.message).toContain('0.999 KWD');
    expect(h.server.requests).toHaveLength(0);
  });

  it('KWD: carried exactly when every amount fits two decimals, whatever scale Corebill rounds to', async () => {
    for (const roundingScale of ['two_decimals', 'currency'] as const) {
      const h = await harness({ server: { roundingScale } });
      const invoice = singleRate({
        number: 'INV-2026-000114',
        invoiceId: '00000000-0000-4000-8000-000000000114',
        currency: 'KWD',
        lines: [
          {
            id: '1',
            description: 'Service',
            quantity: '2',
            netPrice: '12.300',
            vat: { category: 'S', rate: '10' },
          },
        ],
        allowances: [],
      });
      right(await issue(h, invoice));
      expect(lastCreate(h).json).toMatchObject({
        tax_rate: 10,
        line_items: [{ quantity: 2, unit_price: 12.3 }],
      });
      expect(h.observed()[0]).toMatchObject({ payableAmount: 27060n, taxAmount: 2460n });
    }
  });

  it('tax-inclusive: lines at their derived net amount with quantity and gross price in the description', async () => {
    const h = await harness();
    right(await issue(h, amountMappingSamples.EUR_INCLUSIVE()));
    const { json } = lastCreate(h);
    expect(json.line_items).toEqual([
      { item_name: 'Gift box', description: '3 × 19.99 incl. VAT', quantity: 1, unit_price: 49.56 },
      { item_name: 'Book', description: '1 × 24.95 incl. VAT', quantity: 1, unit_price: 22.89 },
      { item_name: 'VAT 21%', description: 'on 49.56 EUR', quantity: 1, unit_price: 10.41 },
      { item_name: 'VAT 9%', description: 'on 22.89 EUR', quantity: 1, unit_price: 2.06 },
    ]);
    expect(h.observed()[0]?.payableAmount).toBe(8492n);
  });

  it('taxMapping refuse: an invoice Corebill cannot compute itself is refused, a single-rate one goes out', async () => {
    const h = await harness({ taxMapping: 'refuse' });
    const error = left(await issue(h, amountMappingSamples.EUR()));
    expect(error).toMatchObject({ _tag: 'ProviderRejected', code: 'not_representable' });
    expect(error.message).toContain('2 VAT rates');
    expect(creates(h)).toHaveLength(0);
    right(await issue(h, singleRate()));
    expect(h.observed()[0]?.taxAmount).toBe(6679n);
  });

  it('sub-cent unit prices and line allowances: quantity 1 at the line net, the rest in the description', async () => {
    const h = await harness();
    const invoice = singleRate({
      lines: [
        {
          id: '1',
          description: 'API calls',
          quantity: '1000',
          netPrice: '0.0123',
          vat: { category: 'S', rate: '19' },
        },
        {
          id: '2',
          description: 'Hours',
          quantity: '1.5',
          netPrice: '80',
          vat: { category: 'S', rate: '19' },
        },
        {
          id: '3',
          description: 'Licence',
          quantity: '2',
          netPrice: '50',
          allowances: [{ amount: '5.00', reason: 'Promo' }],
          vat: { category: 'S', rate: '19' },
        },
      ],
      allowances: [],
    });
    right(await issue(h, invoice));
    expect(lastCreate(h).json.line_items).toEqual([
      { item_name: 'API calls', description: '1000 × 0.0123', quantity: 1, unit_price: 12.3 },
      { item_name: 'Hours', quantity: 1.5, unit_price: 80 },
      { item_name: 'Licence', description: '2 × 50', quantity: 1, unit_price: 95 },
    ]);
    expect(h.observed()[0]?.payableAmount).toBe(invoice.totals.payableAmount);
  });
});

describe('Corebill document charges', () => {
  it('a document charge is a line of its own, inside the taxed subtotal', async () => {
    const h = await harness();
    const invoice = singleRate({
      charges: [{ amount: '5.00', reason: 'Shipping', vat: { category: 'S', rate: '19' } }],
    });
    right(await issue(h, invoice));
    expect(lastCreate(h).json).toMatchObject({
      tax_rate: 19,
      discount_value: 10,
      line_items: [
        { item_name: 'Consulting', quantity: 3, unit_price: 120.5 },
        { item_name: 'Shipping', quantity: 1, unit_price: 5 },
      ],
    });
    expect(h.observed()[0]).toMatchObject({
      payableAmount: invoice.totals.payableAmount,
      taxAmount: invoice.totals.taxAmount,
    });
  });
});

describe('the Corebill test server behaves as documented', () => {
  const post = async (h: CorebillHarness, body: string, query = `?company_id=${COREBILL_COMPANY}`) => {
    const response = await fetch(`${h.corebill.baseUrl}/invoices${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${COREBILL_TEST_KEY}`, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('computes subtotal, percentage discount, then tax on the discounted amount, rounding half up', async () => {
    const h = await harness();
    const answer = await post(
      h,
      `{"customer_id":"${COREBILL_CUSTOMER}","currency":"EUR","tax_rate":16,"discount_type":"percentage","discount_value":10,"line_items":[{"item_name":"A","quantity":3,"unit_price":0.35}]}`,
    );
    expect(answer.status).toBe(201);
    // 1.05 − 0.105 → 0.11 discount → 0.94 × 16 % = 0.1504 → 0.15 → 1.09
    expect(answer.body).toMatchObject({
      subtotal: 1.05,
      discount_amount: 0.11,
      tax_amount: 0.15,
      total: 1.09,
    });
    expect(answer.body['invoice_number']).toMatch(/^INV-\d{4}-000001$/);
  });

  it('refuses the items[] shape, a missing company_id and an unknown customer, with {"error"}', async () => {
    const h = await harness();
    const items = await post(
      h,
      `{"customer_id":"${COREBILL_CUSTOMER}","items":[{"name":"A","quantity":1,"unit_price":1}]}`,
    );
    expect(items).toEqual({ status: 400, body: { error: 'Unknown field: items' } });
    const noCompany = await post(h, '{}', '');
    expect(noCompany).toEqual({ status: 400, body: { error: 'company_id query parameter is required' } });
    const customer = await post(h, '{"customer_id":"cus_nobody","line_items":[]}');
    expect(customer).toEqual({ status: 404, body: { error: 'Customer not found' } });
  });
});

describe('Corebill auth and errors', () => {
  it('every request carries the Bearer key and company_id', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    right(await h.provider.send!({ idempotencyKey: key('s'), input: { ref, invoice } })());
    expect(h.server.requests.length).toBeGreaterThan(3);
    for (const request of h.server.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${COREBILL_TEST_KEY}`);
      expect(request.query.get('company_id')).toBe(COREBILL_COMPANY);
    }
  });

  it('an unknown key is 401, a read-only key is 403 on create; the key is in no error', async () => {
    const h = await harness();
    const unauthorised = left(
      await h.withBadCredentials().issue({ idempotencyKey: key('b'), input: sampleProviderInvoice() })(),
    );
    expect(unauthorised).toMatchObject({ _tag: 'ProviderRejected', status: 401, code: 'unauthenticated' });
    expect(unauthorised.message).toBe('GET /v1/invoices answered 401: Invalid API key');
    const readOnly = await harness({ permission: 'read' });
    const forbidden = left(await issue(readOnly, sampleProviderInvoice()));
    expect(forbidden).toMatchObject({ _tag: 'ProviderRejected', status: 403, code: 'forbidden' });
    expect(forbidden.message).toContain('Insufficient permissions');
    expect(readOnly.corebill.invoices()).toHaveLength(0);
    expect(JSON.stringify([unauthorised, forbidden])).not.toContain('sk_live_');
  });

  it('a customer without a Corebill id is refused before any request; one Corebill lacks is its 404', async () => {
    const h = await harness();
    const stranger = sampleProviderInvoice({ customer: { id: 'cust-7', name: 'Stranger Ltd' } });
    expect(left(await issue(h, stranger))).toMatchObject({ code: 'customer_not_mapped' });
    expect(h.server.requests).toHaveLength(0);
    const wrong = createCorebillProvider({
      ...h.config,
      customers: { 'cust-42': 'cus_deleted0' as typeof COREBILL_CUSTOMER },
    });
    const error = left(await wrong.issue({ idempotencyKey: key('w'), input: sampleProviderInvoice() })());
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 404, code: 'not_found' });
    expect(error.message).toBe('POST /v1/invoices answered 404: Customer not found');
  });

  it('500, 429 and timeouts are retryable, with the Retry-After delay', async () => {
    const h = await harness();
    h.server.injectFault({ kind: 'serverError' });
    expect(left(await issue(h, sampleProviderInvoice()))).toMatchObject({
      _tag: 'ProviderUnavailable',
      status: 500,
      message: 'GET /v1/invoices answered 500: Internal server error (injected)',
    });
    h.server.injectFault({ kind: 'rateLimited', retryAfterSeconds: 12 });
    expect(left(await issue(h, sampleProviderInvoice()))).toMatchObject({
      _tag: 'ProviderUnavailable',
      status: 429,
      retryAfterMs: 12_000,
    });
    h.server.injectFault({ kind: 'timeout', afterHandling: false });
    expect(left(await issue(h, sampleProviderInvoice())).message).toContain('request timed out');
  });

  it('the connection config decodes; a malformed key is reported redacted', () => {
    const config = {
      apiKey: COREBILL_TEST_KEY,
      companyId: COREBILL_COMPANY,
      customers: { 'cust-42': COREBILL_CUSTOMER },
      taxMapping: 'refuse',
    };
    expect(E.isRight(CorebillConnectionConfig.decode(config))).toBe(true);
    const bad = CorebillConnectionConfig.decode({ ...config, apiKey: 'pk_live_secret99' });
    expect(E.isLeft(bad)).toBe(true);
    expect(JSON.stringify(E.isLeft(bad) ? bad.left.map((e) => e.value) : [])).not.toContain('secret99');
    expect(E.isLeft(CorebillConnectionConfig.decode({ ...config, customers: { x: 'not-a-cus' } }))).toBe(
      true,
    );
  });
});

describe('Corebill look-up before create', () => {
  it('follows the cursor pages and finds our number in the notes of an older invoice', async () => {
    const h = await harness({ pageSize: 2 });
    const invoices = [1, 2, 3, 4, 5].map((n) =>
      sampleProviderInvoice({
        number: `INV-2026-00040${n}`,
        invoiceId: `00000000-0000-4000-8000-00000000040${n}`,
      }),
    );
    const refs = [];
    for (const invoice of invoices) refs.push(right(await issue(h, invoice)));
    const before = creates(h).length;
    expect(right(await issue(h, invoices[0]!)).externalId).toBe(refs[0]?.externalId);
    expect(creates(h)).toHaveLength(before);
    expect(h.server.requests.some((r) => r.query.get('starting_after') !== null)).toBe(true);
    // Corebill numbered them itself; ours is only in the notes.
    expect(h.corebill.invoices().map((i) => i.invoiceNumber)).toEqual([
      'INV-2026-000001',
      'INV-2026-000002',
      'INV-2026-000003',
      'INV-2026-000004',
      'INV-2026-000005',
    ]);
  });

  it('an invoice with our number but another total is not adopted', async () => {
    const h = await harness();
    right(await issue(h, sampleProviderInvoice()));
    const other = sampleProviderInvoice({
      lines: [
        {
          id: '1',
          description: 'Other',
          quantity: '1',
          netPrice: '1.00',
          vat: { category: 'S', rate: '19' },
        },
      ],
      allowances: [],
    });
    expect(left(await issue(h, other))).toMatchObject({ _tag: 'ProviderRejected', code: 'conflict' });
    expect(h.corebill.invoices()).toHaveLength(1);
  });
});

describe('Corebill send, payments and void', () => {
  const payment = (invoice: ProviderInvoice, overrides: Partial<ProviderPayment> = {}): ProviderPayment => ({
    paymentId: 'pay-1',
    amount: invoice.totals.payableAmount,
    currency: invoice.currency,
    paidAt: '2026-11-10T10:00:00.000+01:00',
    settlesInvoice: true,
    reference: 'bank transfer 8812',
    ...overrides,
  });

  it('records a payment once in major units, with our payment id as its reference', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    const pay = (p: ProviderPayment) =>
      h.provider.recordPayment!({ idempotencyKey: key(p.paymentId), input: { ref, invoice, payment: p } })();
    right(await pay(payment(invoice, { paymentId: 'pay-1', amount: 10000n, settlesInvoice: false })));
    h.server.injectFault({ kind: 'timeout', afterHandling: true }, (r) => r.path.endsWith('/payments'));
    const second = payment(invoice, { paymentId: 'pay-2', amount: 36107n });
    expect(left(await pay(second))._tag).toBe('ProviderUnavailable');
    right(await pay(second));
    right(await pay(payment(invoice, { paymentId: 'pay-1', amount: 10000n, settlesInvoice: false })));
    const stored = h.corebill.invoices()[0];
    expect(stored?.payments.map((p) => [p.amount, p.reference, p.paymentDate])).toEqual([
      [10000n, 'accrue:pay-1 bank transfer 8812', '2026-11-10'],
      [36107n, 'accrue:pay-2 bank transfer 8812', '2026-11-10'],
    ]);
    expect(stored?.status).toBe('paid');
    const posted = h.server.requests.filter((r) => r.path.endsWith('/payments'));
    expect(posted.map((r) => r.rawBody.toString('utf8'))[0]).toBe(
      '{"amount":100.00,"payment_date":"2026-11-10","payment_method":"other","reference":"accrue:pay-1 bank transfer 8812"}',
    );
    // Our own payments come back as webhooks; they are not payments received from Corebill.
    const paidEvent = h.corebill.webhooks().find((w) => w.event === 'invoice.paid');
    const echoed = verifyCorebillWebhook({
      rawBody: paidEvent!.rawBody,
      headers: paidEvent!.headers,
      secret: 'whsec_corebill_test',
      now: new Date(),
    });
    expect(E.isRight(echoed) && echoed.right._tag).toBe('Ignored');
  });

  it('a payment above the amount due is Corebill 400, permanent', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    const error = left(
      await h.provider.recordPayment!({
        idempotencyKey: key('p'),
        input: { ref, invoice, payment: payment(invoice, { amount: invoice.totals.payableAmount + 1n }) },
      })(),
    );
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 400, code: 'bad_request' });
    expect(error.message).toContain('Payment amount exceeds the amount due');
  });

  it('send and void read the status first, so repeating them posts nothing', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    const send = () => h.provider.send!({ idempotencyKey: key('s'), input: { ref, invoice } })();
    right(await send());
    right(await send());
    expect(h.server.requests.filter((r) => r.path.endsWith('/send'))).toHaveLength(1);
    const voidIt = () =>
      h.provider.void!({ idempotencyKey: key('v'), input: { ref, invoice, reason: 'Issued in error' } })();
    right(await voidIt());
    right(await voidIt());
    const patches = h.server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.rawBody.toString('utf8'))).toEqual(['{"status":"cancelled"}']);
    expect(h.observed()[0]?.status).toBe('void');
    expect(left(await send())).toMatchObject({ _tag: 'ProviderRejected', code: 'invalid_state' });
  });
});
