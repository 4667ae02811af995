import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import type { ProviderError, ProviderInvoice } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { JsonNumber } from '../providers/exactJson.js';
import { invoiceProviderContract } from '../providers/testing/contract.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackRequest } from '../providers/testing/loopback.js';
import { InvoroConnectionConfig } from './config.js';
import { toInvoroCreateBody } from './mapping.js';
import { createInvoroProvider } from './provider.js';
import type { InvoroHarness, InvoroHarnessOptions } from './testing/harness.js';
import { INVORO_BUSINESS_ENTITY, INVORO_TEST_KEY, invoroHarness } from './testing/harness.js';

invoiceProviderContract('invoro', () => invoroHarness());

let open: InvoroHarness[] = [];
const harness = async (options: InvoroHarnessOptions = {}) => {
  const h = await invoroHarness(options);
  open.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()));
  open = [];
});

const key = (text: string) => idempotencyKey(text);

const issue = (h: InvoroHarness, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: key(`issue-${invoice.invoiceId}`), input: invoice })();

const right = <A>(result: E.Either<ProviderError, A>): A => {
  if (E.isLeft(result)) throw new Error(`expected success, got ${result.left._tag}: ${result.left.message}`);
  return result.right;
};

const left = <A>(result: E.Either<ProviderError, A>): ProviderError => {
  if (E.isRight(result)) throw new Error('expected a failure');
  return result.left;
};

const creates = (h: InvoroHarness): ReadonlyArray<LoopbackRequest> =>
  h.server.requests.filter((r) => r.method === 'POST' && r.path === '/invoice-api/invoices');

type Fields = Record<string, unknown>;
/** A create body as parsed by `JSON.parse` (the amounts are small enough to be exact numbers). */
interface WireBody {
  calculate_totals: boolean;
  business_entity_id: string;
  header: Fields;
  buyer: Fields;
  items: Array<Fields & { price: number; quantity: number }>;
  allowances: Fields[];
  charges: Fields[];
  tax_breakdown: Array<Fields & { tax_amount: number }>;
  totals: Record<string, number>;
}

const bump = (record: Record<string, unknown> | undefined, field: string, by: number) => {
  if (record === undefined || typeof record[field] !== 'number') throw new Error(`no number at ${field}`);
  record[field] += by;
};

/** The last create body, as text (exact number tokens) and parsed (structure). */
const lastCreate = (h: InvoroHarness) => {
  const request = creates(h).at(-1);
  if (request === undefined) throw new Error('no create request');
  const text = request.rawBody.toString('utf8');
  return { text, json: JSON.parse(text) as WireBody };
};

describe('Invoro amount mapping: the exact figures on the wire', () => {
  it('EUR: cents, our totals with calculate_totals false, unit prices kept, dates as noon UTC', async () => {
    const h = await harness();
    const invoice = amountMappingSamples.EUR();
    right(await issue(h, invoice));
    const { text, json } = lastCreate(h);
    expect(json.calculate_totals).toBe(false);
    expect(json.business_entity_id).toBe(INVORO_BUSINESS_ENTITY);
    expect(json.header).toEqual({
      invoice_number: 'INV-2026-000101',
      invoice_type_code: '380',
      issue_date: '2026-11-02T12:00:00Z',
      due_date: '2026-12-02T12:00:00Z',
      currency: 'EUR',
      notes: ['Thank you for your business.'],
      buyer_reference: 'PO-2026-118',
    });
    expect(json.items).toEqual([
      {
        id: '1',
        name: 'Consulting',
        quantity: 3,
        unit_code: 'C62',
        price: 12050,
        tax_category: 'S',
        tax_rate: 19,
      },
      {
        id: '2',
        name: 'Printed manual',
        quantity: 2,
        unit_code: 'C62',
        price: 1999,
        tax_category: 'S',
        tax_rate: 7,
      },
    ]);
    expect(json.allowances).toEqual([
      { reason: 'Loyalty discount', amount: 1000, tax_category: 'S', tax_rate: 19 },
    ]);
    expect(json.tax_breakdown).toEqual([
      { category_code: 'S', rate: 19, taxable_amount: 35150, tax_amount: 6679 },
      { category_code: 'S', rate: 7, taxable_amount: 3998, tax_amount: 280 },
    ]);
    expect(json.totals).toEqual({
      line_extension_amount: 40148,
      tax_exclusive_amount: 39148,
      tax_inclusive_amount: 46107,
      tax_amount: 6959,
      allowance_total_amount: 1000,
      charge_total_amount: 0,
      paid_amount: 0,
      payable_rounding_amount: 0,
      payable_amount: 46107,
    });
    expect(json.buyer).toEqual({
      name: 'Acme Trading GmbH',
      vat_number: 'DE123456789',
      address: { street: 'Hauptstraße 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
      contact: { name: 'Acme Trading GmbH', email: 'billing@acme.example' },
    });
    // Integers as integer tokens, never `12050.0` or strings.
    expect(text).toContain('"price":12050,');
    expect(text).toContain('"payable_amount":46107}');
    expect(h.observed()[0]).toMatchObject({ payableAmount: 46107n, taxAmount: 6959n, status: 'issued' });
  });

  it('JPY: Invoro cents are hundredths of the yen, so every amount is ×100', async () => {
    const h = await harness();
    const invoice = amountMappingSamples.JPY();
    right(await issue(h, invoice));
    const { json } = lastCreate(h);
    expect(json.items.map((item) => [item.quantity, item.price])).toEqual([
      [3, 125000],
      [7, 33300],
    ]);
    expect(json.tax_breakdown).toEqual([
      { category_code: 'S', rate: 10, taxable_amount: 375000, tax_amount: 37500 },
      { category_code: 'S', rate: 8, taxable_amount: 233100, tax_amount: 18600 },
    ]);
    expect(json.totals['payable_amount']).toBe(664200);
    expect(json.totals['tax_amount']).toBe(56100);
    expect(h.observed()[0]).toMatchObject({ currency: 'JPY', payableAmount: 6642n, taxAmount: 561n });
  });

  it('KWD: refused before any request when an amount is not a whole number of 10 fils', async () => {
    const h = await harness();
    const error = left(await issue(h, amountMappingSamples.KWD()));
    expect(error).toMatchObject({ _tag: 'ProviderRejected', code: 'currency_precision', provider: 'invoro' });
    expect(error.message).toContain('KWD');
    expect(h.server.requests).toHaveLength(0);
  });

  it('KWD: carried exactly when every amount is a whole number of 10 fils (÷10 on the wire)', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice({
      number: 'INV-2026-000105',
      invoiceId: '00000000-0000-4000-8000-000000000105',
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
    expect(invoice.totals.payableAmount).toBe(27060n);
    right(await issue(h, invoice));
    const { json } = lastCreate(h);
    expect(json.items[0]).toMatchObject({ quantity: 2, price: 1230 });
    expect(json.totals).toMatchObject({ tax_amount: 246, payable_amount: 2706 });
    expect(h.observed()[0]).toMatchObject({ payableAmount: 27060n, taxAmount: 2460n });
  });

  it('tax-inclusive: each line is its derived net amount per base quantity = its quantity', async () => {
    const h = await harness();
    const invoice = amountMappingSamples.EUR_INCLUSIVE();
    right(await issue(h, invoice));
    const { text, json } = lastCreate(h);
    expect(json.items).toMatchObject([
      { quantity: 3, price: 4956, base_quantity: 3, tax_rate: 21 },
      { quantity: 1, price: 2289, base_quantity: 1, tax_rate: 9 },
    ]);
    expect(json.tax_breakdown).toEqual([
      { category_code: 'S', rate: 21, taxable_amount: 4956, tax_amount: 1041 },
      { category_code: 'S', rate: 9, taxable_amount: 2289, tax_amount: 206 },
    ]);
    expect(json.totals).toMatchObject({
      tax_exclusive_amount: 7245,
      tax_amount: 1247,
      payable_amount: 8492,
    });
    expect(text).toContain('"base_quantity":3,');
    expect(h.observed()[0]?.payableAmount).toBe(8492n);
  });

  it('a unit price finer than a cent moves into base_quantity; a rounding tie or a line allowance uses the line net', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice({
      number: 'INV-2026-000106',
      invoiceId: '00000000-0000-4000-8000-000000000106',
      lines: [
        {
          id: '1',
          description: 'API calls',
          quantity: '3',
          netPrice: '0.1234',
          vat: { category: 'S', rate: '19' },
        },
        {
          id: '2',
          description: 'Half-cent',
          quantity: '1',
          netPrice: '0.125',
          vat: { category: 'S', rate: '19' },
        },
        {
          id: '3',
          description: 'Discounted',
          quantity: '1.5',
          netPrice: '50',
          allowances: [{ amount: '5.00', reason: 'Promo' }],
          vat: { category: 'S', rate: '19' },
        },
      ],
      allowances: [],
    });
    expect(invoice.lines.map((line) => line.netAmount)).toEqual([37n, 13n, 7000n]);
    right(await issue(h, invoice));
    const { text, json } = lastCreate(h);
    expect(json.items).toMatchObject([
      { quantity: 3, price: 1234, base_quantity: 100 },
      { quantity: 1, price: 13, base_quantity: 1 },
      { quantity: 1.5, price: 7000, base_quantity: 1.5 },
    ]);
    expect(text).toContain('"quantity":1.5,');
    expect(json.totals['line_extension_amount']).toBe(7050);
    expect(h.observed()[0]?.payableAmount).toBe(invoice.totals.payableAmount);
  });
});

describe('Invoro document charges', () => {
  it('a document charge goes out VAT-excluded with its category and rate, and the totals still add up', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice({
      number: 'INV-2026-000107',
      invoiceId: '00000000-0000-4000-8000-000000000107',
      charges: [{ amount: '5.00', reason: 'Shipping', vat: { category: 'S', rate: '19' } }],
    });
    right(await issue(h, invoice));
    const { json } = lastCreate(h);
    expect(json.charges).toEqual([{ reason: 'Shipping', amount: 500, tax_category: 'S', tax_rate: 19 }]);
    expect(json.totals).toMatchObject({ charge_total_amount: 500, tax_exclusive_amount: 39648 });
    expect(h.observed()[0]?.payableAmount).toBe(invoice.totals.payableAmount);
  });
});

describe('the Invoro test server refuses what Invoro refuses', () => {
  const post = async (h: InvoroHarness, body: string) => {
    const response = await fetch(`${h.invoro.baseUrl}/invoices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INVORO_TEST_KEY}`, 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      body: (await response.json()) as { message?: string; errors?: Record<string, string[]> },
    };
  };
  const validBody = () => {
    const body = toInvoroCreateBody(amountMappingSamples.EUR(), { businessEntityId: INVORO_BUSINESS_ENTITY });
    if (E.isLeft(body)) throw new Error(body.left.message);
    return JSON.parse(
      JSON.stringify(body.right, (_k, v: unknown) =>
        typeof v === 'bigint' ? Number(v) : v instanceof JsonNumber ? Number(v.text) : v,
      ),
    ) as WireBody;
  };

  it('accepts the adapter body as it is', async () => {
    const h = await harness();
    expect((await post(h, JSON.stringify(validBody()))).status).toBe(201);
  });

  it('refuses totals that do not add up, a plain date and a non-integer price, naming the fields', async () => {
    const h = await harness();
    const body = validBody();
    bump(body.totals, 'payable_amount', 1);
    body.header['issue_date'] = '2026-11-02';
    bump(body.items[0], 'price', 0.5);
    const answer = await post(h, JSON.stringify(body));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ success: false, data: null, message: 'The given data was invalid.' });
    expect(Object.keys(answer.body.errors ?? {})).toEqual(
      expect.arrayContaining(['totals.payable_amount', 'header.issue_date', 'items.0.price']),
    );
    expect(h.invoro.invoices()).toHaveLength(0);
  });

  it('refuses a VAT group whose tax is off by more than a minor unit', async () => {
    const h = await harness();
    const body = validBody();
    bump(body.tax_breakdown[1], 'tax_amount', 2);
    for (const field of ['tax_amount', 'tax_inclusive_amount', 'payable_amount']) bump(body.totals, field, 2);
    const answer = await post(h, JSON.stringify(body));
    expect(answer.status).toBe(422);
    expect(Object.keys(answer.body.errors ?? {})).toEqual(['tax_breakdown.1.tax_amount']);
  });
});

describe('Invoro auth', () => {
  it('sends the key as Bearer and as X-Api-Key, so either documented header authenticates', async () => {
    for (const authHeader of ['bearer', 'x-api-key'] as const) {
      const h = await harness({ server: { authHeader } });
      right(await issue(h, sampleProviderInvoice()));
      const request = h.server.requests[0];
      expect(request?.headers['authorization']).toBe(`Bearer ${INVORO_TEST_KEY}`);
      expect(request?.headers['x-api-key']).toBe(INVORO_TEST_KEY);
      expect(h.observed()).toHaveLength(1);
    }
  });

  it('an unknown key is refused with 401 and the key appears nowhere in the error', async () => {
    const h = await harness();
    const error = left(
      await h.withBadCredentials().issue({ idempotencyKey: key('bad'), input: sampleProviderInvoice() })(),
    );
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 401, code: 'unauthenticated' });
    expect(error.message).toContain('Unauthenticated.');
    expect(JSON.stringify(error)).not.toContain('ak_test_');
  });

  it('a key without invoice:create is refused with 403 after the look-up, and nothing is created', async () => {
    const h = await harness({ scopes: ['invoice:read'] });
    const error = left(await issue(h, sampleProviderInvoice()));
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 403, code: 'forbidden' });
    expect(error.message).toContain('invoice:create');
    expect(h.invoro.invoices()).toHaveLength(0);
  });

  it('the connection config decodes, and a malformed key is reported redacted', () => {
    const good = InvoroConnectionConfig.decode({
      apiKey: INVORO_TEST_KEY,
      businessEntityId: INVORO_BUSINESS_ENTITY,
    });
    expect(E.isRight(good)).toBe(true);
    const bad = InvoroConnectionConfig.decode({
      apiKey: 'sk_live_secret123',
      businessEntityId: INVORO_BUSINESS_ENTITY,
    });
    expect(E.isLeft(bad)).toBe(true);
    expect(JSON.stringify(E.isLeft(bad) ? bad.left.map((e) => e.value) : [])).not.toContain('secret123');
  });
});

describe('Invoro error mapping', () => {
  it('422: Invoro message and field errors become the ProviderRejected message', async () => {
    const h = await harness();
    const provider = createInvoroProvider({
      ...h.config,
      businessEntityId: '00000000-0000-4000-8000-00000000dead' as typeof h.config.businessEntityId,
    });
    const error = left(await provider.issue({ idempotencyKey: key('x'), input: sampleProviderInvoice() })());
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 422, code: 'validation_failed' });
    expect(error.message).toBe(
      'POST /invoice-api/invoices answered 422: The given data was invalid.; business_entity_id: The selected business entity is invalid.',
    );
  });

  it('404 Invoice not found on send is permanent', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const error = left(
      await h.provider.send!({
        idempotencyKey: key('send'),
        input: { ref: { externalId: '00000000-0000-4000-8000-000000000000' }, invoice },
      })(),
    );
    expect(error).toMatchObject({ _tag: 'ProviderRejected', status: 404, code: 'not_found' });
    expect(error.message).toContain('Invoice not found');
  });

  it('429 past the rate limit is retryable after the X-RateLimit-Reset the server announced', async () => {
    const clock = () => new Date('2026-11-02T10:00:00.250Z');
    const h = await harness({ server: { rateLimitPerSecond: 1, now: clock }, now: clock });
    const error = left(await issue(h, sampleProviderInvoice()));
    expect(error).toMatchObject({ _tag: 'ProviderUnavailable', status: 429, retryAfterMs: 750 });
    const limited = h.server.requests.length;
    expect(limited).toBe(2);
    expect(h.invoro.invoices()).toHaveLength(0);
  });

  it('500 and timeouts are retryable; the message names the request, never the key', async () => {
    const h = await harness();
    h.server.injectFault({ kind: 'serverError' });
    const error = left(await issue(h, sampleProviderInvoice()));
    expect(error).toMatchObject({ _tag: 'ProviderUnavailable', status: 500 });
    expect(error.message).toBe('GET /invoice-api/invoices answered 500: Internal server error (injected)');
    h.server.injectFault({ kind: 'timeout', afterHandling: false });
    const timeout = left(await issue(h, sampleProviderInvoice()));
    expect(timeout).toMatchObject({ _tag: 'ProviderUnavailable' });
    expect(timeout.message).toContain('request timed out');
    expect(JSON.stringify([error, timeout])).not.toContain(INVORO_TEST_KEY);
  });
});

describe('Invoro look-up before create', () => {
  it('pages through the list when the number filter is ignored, and finds the invoice on a later page', async () => {
    const h = await harness({ server: { filtersByNumber: false }, pageSize: 2 });
    const invoices = [1, 2, 3, 4, 5].map((n) =>
      sampleProviderInvoice({
        number: `INV-2026-00020${n}`,
        invoiceId: `00000000-0000-4000-8000-00000000020${n}`,
      }),
    );
    const refs = [];
    for (const invoice of invoices) refs.push(right(await issue(h, invoice)));
    const before = creates(h).length;
    const again = right(await issue(h, invoices[0]!));
    expect(again.externalId).toBe(refs[0]?.externalId);
    const last = right(await issue(h, invoices[4]!));
    expect(last.externalId).toBe(refs[4]?.externalId);
    expect(creates(h)).toHaveLength(before);
    expect(h.server.requests.filter((r) => r.query.get('page') === '3').length).toBeGreaterThan(0);
    expect(h.invoro.invoices()).toHaveLength(5);
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
    const error = left(await issue(h, other));
    expect(error).toMatchObject({ _tag: 'ProviderRejected', code: 'conflict' });
    expect(h.invoro.invoices()).toHaveLength(1);
  });
});

describe('Invoro send and void', () => {
  it('send queues the draft once; a repeated send reads the state and posts nothing', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    const send = () => h.provider.send!({ idempotencyKey: key('send'), input: { ref, invoice } })();
    right(await send());
    expect(h.invoro.invoices()[0]?.state).toBe('sending');
    h.invoro.processQueue();
    right(await send());
    const posts = h.server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/send'));
    expect(posts).toHaveLength(1);
    expect(h.invoro.invoices()[0]?.state).toBe('sent');
  });

  it('a send whose answer was lost is not repeated on retry', async () => {
    const h = await harness();
    const invoice = sampleProviderInvoice();
    const ref = right(await issue(h, invoice));
    h.server.injectFault({ kind: 'dropConnection', afterHandling: true }, (r) => r.path.endsWith('/send'));
    const send = () => h.provider.send!({ idempotencyKey: key('send'), input: { ref, invoice } })();
    expect(left(await send())._tag).toBe('ProviderUnavailable');
    right(await send());
    expect(h.invoro.invoices()[0]?.state).toBe('sending');
  });

  it('void deletes a draft once; after send it is refused as needing a credit note', async () => {
    const h = await harness();
    const draft = sampleProviderInvoice();
    const ref = right(await issue(h, draft));
    const voidIt = (r = ref, invoice = draft) =>
      h.provider.void!({
        idempotencyKey: key('void'),
        input: { ref: r, invoice, reason: 'Issued in error' },
      })();
    right(await voidIt());
    right(await voidIt());
    expect(h.server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(h.observed()[0]?.status).toBe('void');

    const sent = sampleProviderInvoice({
      number: 'INV-2026-000301',
      invoiceId: '00000000-0000-4000-8000-000000000301',
    });
    const sentRef = right(await issue(h, sent));
    right(await h.provider.send!({ idempotencyKey: key('send'), input: { ref: sentRef, invoice: sent } })());
    const error = left(await voidIt(sentRef, sent));
    expect(error).toMatchObject({ _tag: 'ProviderRejected', code: 'void_after_send' });
    expect(h.invoro.invoices()[1]?.deletedAt).toBeNull();
  });

  it('supports send and void only: Invoro has no mark-paid endpoint', async () => {
    const h = await harness();
    expect([...h.provider.supports].sort()).toEqual(['send', 'void']);
    expect(h.provider.recordPayment).toBeUndefined();
  });
});
