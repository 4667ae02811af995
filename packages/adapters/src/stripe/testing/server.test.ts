import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { MutableClock } from './harness.js';
import { HARNESS_OTHER_SECRET_KEY, HARNESS_SECRET_KEY, mutableClock } from './harness.js';
import { decodeForm } from './form.js';
import type { StripeTestServer } from './server.js';
import { startStripeTestServer } from './server.js';

/** The loopback Stripe itself, over raw HTTP: it must refuse what Stripe refuses, or adapter tests prove little. */

let server: StripeTestServer;
let clock: MutableClock;
beforeEach(async () => {
  clock = mutableClock();
  server = await startStripeTestServer({
    keys: { [HARNESS_SECRET_KEY]: 'acct_a', [HARNESS_OTHER_SECRET_KEY]: 'acct_b' },
    now: clock.now,
  });
});
afterEach(async () => {
  await server.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> & { error?: Record<string, unknown> };
}

const call = async (
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  secret: string = HARNESS_SECRET_KEY,
): Promise<Answer> => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secret}`,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer['body'],
  };
};

const future = () => String(Math.floor(clock.now().getTime() / 1000) + 86_400);

const customer = async (secret = HARNESS_SECRET_KEY) =>
  String((await call('POST', '/v1/customers', 'name=Acme&email=a%40b.example', {}, secret)).body['id']);

const draft = async (extra = '') => {
  const id = await customer();
  const answer = await call(
    'POST',
    '/v1/invoices',
    `customer=${id}&currency=eur&collection_method=send_invoice&due_date=${future()}${extra}`,
  );
  expect(answer.status).toBe(200);
  return String(answer.body['id']);
};

const line = (i: number, amount: number, tax?: { amount: number; inclusive: boolean }) =>
  [
    `lines[${i}][amount]=${amount}`,
    `lines[${i}][description]=L${i}`,
    ...(tax === undefined
      ? []
      : [
          `lines[${i}][tax_amounts][0][amount]=${tax.amount}`,
          `lines[${i}][tax_amounts][0][taxable_amount]=${amount}`,
          `lines[${i}][tax_amounts][0][tax_rate_data][display_name]=VAT`,
          `lines[${i}][tax_amounts][0][tax_rate_data][inclusive]=${tax.inclusive}`,
          `lines[${i}][tax_amounts][0][tax_rate_data][percentage]=19`,
        ]),
  ].join('&');

describe('form decoding', () => {
  it('reads bracket nesting, indexed and appended arrays', () => {
    const decoded = decodeForm(
      'a=1&m[k]=v&lines[0][amount]=5&lines[1][tax_amounts][0][tax_rate_data][percentage]=7.5&expand[]=x&expand[]=y',
    );
    expect(decoded).toEqual({
      ok: true,
      value: {
        a: '1',
        m: { k: 'v' },
        lines: [{ amount: '5' }, { tax_amounts: [{ tax_rate_data: { percentage: '7.5' } }] }],
        expand: ['x', 'y'],
      },
    });
  });

  it('refuses a name used both as a value and as a hash, or mixing indexes and names', () => {
    expect(decodeForm('a=1&a[b]=2').ok).toBe(false);
    expect(decodeForm('a[b]=2&a=1').ok).toBe(false);
    expect(decodeForm('a[0]=1&a[x]=2').ok).toBe(false);
  });
});

describe('the loopback Stripe', () => {
  it('authenticates with Bearer or Basic; a wrong or missing key is 401 with the key masked', async () => {
    const basic = Buffer.from(`${HARNESS_SECRET_KEY}:`).toString('base64');
    expect((await call('GET', '/v1/customers', undefined, { authorization: `Basic ${basic}` })).status).toBe(
      200,
    );
    const wrong = await call('GET', '/v1/customers', undefined, {}, 'sk_test_wrongWrongWrong1234');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(String(wrong.body.error?.['message'])).toBe(
      'Invalid API Key provided: sk_test_***************1234',
    );
    const none = await fetch(`${server.url}/v1/customers`);
    expect(none.status).toBe(401);
  });

  it('refuses unknown parameters, bad integers and missing required ones the way Stripe words them', async () => {
    const id = await customer();
    const unknown = await call('POST', '/v1/invoices', `customer=${id}&colour=blue`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
    const nested = await call('POST', '/v1/customers', 'address[planet]=mars');
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'address[planet]' });
    const invoice = await draft();
    const badInt = await call('POST', `/v1/invoices/${invoice}/add_lines`, 'lines[0][amount]=12.5');
    expect(badInt.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'lines[0][amount]' });
    const missing = await call('POST', `/v1/invoices/${invoice}/add_lines`, 'invoice_metadata[a]=b');
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'lines' });
    const noData = await call(
      'POST',
      `/v1/invoices/${invoice}/add_lines`,
      `${line(0, 100)}&lines[0][tax_amounts][0][amount]=19&lines[0][tax_amounts][0][taxable_amount]=100`,
    );
    expect(noData.body.error).toMatchObject({
      code: 'parameter_missing',
      param: 'lines[0][tax_amounts][0][tax_rate_data]',
    });
  });

  it('idempotency: same key and parameters replay the first answer; other parameters are an idempotency_error', async () => {
    const body = 'name=Acme&email=x%40y.example';
    const first = await call('POST', '/v1/customers', body, { 'idempotency-key': 'k1' });
    const again = await call('POST', '/v1/customers', body, { 'idempotency-key': 'k1' });
    expect(again.body['id']).toBe(first.body['id']);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(server.customers()).toHaveLength(1);
    const other = await call('POST', '/v1/customers', 'name=Other', { 'idempotency-key': 'k1' });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ type: 'idempotency_error' });
    expect(server.customers()).toHaveLength(1);
  });

  it('idempotency: keys are per account, a failed validation saves nothing, keys expire after 24 h', async () => {
    await call('POST', '/v1/customers', 'name=A', { 'idempotency-key': 'shared' });
    await call('POST', '/v1/customers', 'name=B', { 'idempotency-key': 'shared' }, HARNESS_OTHER_SECRET_KEY);
    expect(
      server
        .customers()
        .map((c) => c.account)
        .sort(),
    ).toEqual(['acct_a', 'acct_b']);

    const refused = await call('POST', '/v1/customers', 'nope=1', { 'idempotency-key': 'v1' });
    expect(refused.status).toBe(400);
    const fixed = await call('POST', '/v1/customers', 'name=C', { 'idempotency-key': 'v1' });
    expect(fixed.status).toBe(200);

    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const expired = await call('POST', '/v1/customers', 'name=A', { 'idempotency-key': 'shared' });
    expect(expired.headers.get('idempotent-replayed')).toBeNull();
    expect(server.customers()).toHaveLength(4);
    const long = await call('POST', '/v1/customers', 'name=D', { 'idempotency-key': 'x'.repeat(256) });
    expect(long.status).toBe(400);
  });

  it('invoice totals as Stripe computes them: exclusive taxes on top, inclusive ones inside', async () => {
    const id = await draft();
    const answer = await call(
      'POST',
      `/v1/invoices/${id}/add_lines`,
      [
        line(0, 10000, { amount: 1900, inclusive: false }),
        line(1, 1190, { amount: 190, inclusive: true }),
        line(2, -500),
      ].join('&'),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      subtotal: 10690,
      subtotal_excluding_tax: 10500,
      total: 12590,
      amount_due: 12590,
      amount_remaining: 12590,
      status: 'draft',
    });
    expect(answer.body['total_taxes']).toEqual([
      expect.objectContaining({ amount: 1900, tax_behavior: 'exclusive', taxable_amount: 10000 }),
      expect.objectContaining({ amount: 190, tax_behavior: 'inclusive', taxable_amount: 1190 }),
    ]);
    // Same tax_rate_data → the same (archived) TaxRate; inclusive differs → another.
    expect(server.taxRates()).toHaveLength(2);
  });

  it('the state machine: lines only on drafts, finalize once, pay out of band, void only open or uncollectible', async () => {
    const id = await draft();
    expect((await call('POST', `/v1/invoices/${id}/void`, '')).status).toBe(400);
    await call('POST', `/v1/invoices/${id}/add_lines`, line(0, 1000));
    const finalized = await call('POST', `/v1/invoices/${id}/finalize`, 'auto_advance=false');
    expect(finalized.body).toMatchObject({ status: 'open' });
    expect(finalized.body['hosted_invoice_url']).toMatch(/^https:\/\/invoice\.stripe\.com\/i\//);
    const again = await call('POST', `/v1/invoices/${id}/finalize`, '');
    expect(again.status).toBe(400);
    const late = await call('POST', `/v1/invoices/${id}/add_lines`, line(0, 1000));
    expect(late.body.error).toMatchObject({ code: 'invoice_not_editable' });
    expect((await call('DELETE', `/v1/invoices/${id}`)).status).toBe(400);
    const noMethod = await call('POST', `/v1/invoices/${id}/pay`, '');
    expect(noMethod.status).toBe(400);
    const paid = await call('POST', `/v1/invoices/${id}/pay`, 'paid_out_of_band=true');
    expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 1000, amount_remaining: 0 });
    expect((await call('POST', `/v1/invoices/${id}/pay`, 'paid_out_of_band=true')).status).toBe(400);
    expect((await call('POST', `/v1/invoices/${id}/void`, '')).status).toBe(400);
    expect(server.events().map((e) => e.type)).toEqual([
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
    ]);

    const other = await draft();
    await call('POST', `/v1/invoices/${other}/finalize`, '');
    // A zero total is paid on finalization.
    expect(server.invoices().find((i) => i.id === other)?.status).toBe('paid');
    const third = await draft();
    await call('POST', `/v1/invoices/${third}/add_lines`, line(0, 1000));
    await call('POST', `/v1/invoices/${third}/finalize`, '');
    expect((await call('POST', `/v1/invoices/${third}/mark_uncollectible`, '')).body).toMatchObject({
      status: 'uncollectible',
    });
    expect((await call('POST', `/v1/invoices/${third}/void`, '')).body).toMatchObject({ status: 'void' });
    expect((await call('GET', '/v1/invoices/in_nope')).body.error).toMatchObject({
      code: 'resource_missing',
    });
  });

  it('refuses a past due date, a three-decimal amount not ending in 0, and a send to a customer without email', async () => {
    const id = await customer();
    const past = await call(
      'POST',
      '/v1/invoices',
      `customer=${id}&collection_method=send_invoice&due_date=${Math.floor(clock.now().getTime() / 1000) - 1}`,
    );
    expect(past.body.error).toMatchObject({ param: 'due_date' });
    const noDue = await call('POST', '/v1/invoices', `customer=${id}&collection_method=send_invoice`);
    expect(noDue.status).toBe(400);

    const kwd = await call(
      'POST',
      '/v1/invoices',
      `customer=${id}&currency=kwd&collection_method=send_invoice&days_until_due=30`,
    );
    const kwdId = String(kwd.body['id']);
    expect((await call('POST', `/v1/invoices/${kwdId}/add_lines`, line(0, 1235))).status).toBe(400);
    expect((await call('POST', `/v1/invoices/${kwdId}/add_lines`, line(0, 1230))).status).toBe(200);

    const anonymous = String((await call('POST', '/v1/customers', 'name=Nobody')).body['id']);
    const invoice = await call(
      'POST',
      '/v1/invoices',
      `customer=${anonymous}&collection_method=send_invoice&days_until_due=0`,
    );
    const invoiceId = String(invoice.body['id']);
    await call('POST', `/v1/invoices/${invoiceId}/add_lines`, line(0, 500));
    await call('POST', `/v1/invoices/${invoiceId}/finalize`, '');
    expect((await call('POST', `/v1/invoices/${invoiceId}/send`, '')).status).toBe(400);
    expect(server.emails()).toHaveLength(0);
  });

  it('lists newest first, filtered by customer, paged with starting_after', async () => {
    const a = await draft();
    const b = await draft();
    const page = await call('GET', '/v1/invoices?limit=1');
    expect(page.body).toMatchObject({ object: 'list', has_more: true });
    expect((page.body['data'] as Array<{ id: string }>)[0]?.id).toBe(b);
    const next = await call('GET', `/v1/invoices?limit=1&starting_after=${b}`);
    expect((next.body['data'] as Array<{ id: string }>)[0]?.id).toBe(a);
    expect(next.body['has_more']).toBe(false);
    expect((await call('GET', '/v1/invoices?limit=101')).status).toBe(400);
    expect((await call('GET', '/v1/customers?email=A%40B.EXAMPLE')).body['data']).toEqual([]);
  });
});
