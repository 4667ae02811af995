import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ExternalInvoiceRef, ProviderInvoice, ProviderPayment } from '../providers/port.js';
import { idempotencyKey } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import { stepKey } from './provider.js';
import type { StripeHarness } from './testing/harness.js';
import { createStripeHarness } from './testing/harness.js';

let harness: StripeHarness;
beforeEach(async () => {
  harness = await createStripeHarness();
});
afterEach(async () => {
  await harness.close();
});

const DAY = 24 * 60 * 60 * 1000;
const key = idempotencyKey;

const issue = (invoice: ProviderInvoice = sampleProviderInvoice(), k = `issue-${invoice.invoiceId}`) =>
  harness.provider.issue({ idempotencyKey: key(k), input: invoice })();

const issued = async (invoice: ProviderInvoice = sampleProviderInvoice()): Promise<ExternalInvoiceRef> => {
  const result = await issue(invoice);
  if (E.isLeft(result)) throw new Error(result.left.message);
  return result.right;
};

const posts = () => harness.server.requests.filter((r) => r.method !== 'GET');
const stored = (id: string) => harness.server.invoices().find((invoice) => invoice.id === id);

const payment = (invoice: ProviderInvoice, overrides: Partial<ProviderPayment> = {}): ProviderPayment => ({
  paymentId: 'pay-1',
  amount: invoice.totals.payableAmount,
  currency: invoice.currency,
  paidAt: '2026-11-10T10:00:00.000Z',
  settlesInvoice: true,
  ...overrides,
});

describe('issue beyond the contract', () => {
  it('after Stripe forgot the key (24 h), a retried create finds the draft instead of making a second', async () => {
    const invoice = sampleProviderInvoice();
    harness.server.injectFault(
      { kind: 'dropConnection', afterHandling: true },
      (r) => r.method === 'POST' && r.path === '/v1/invoices',
    );
    expect(E.isLeft(await issue(invoice))).toBe(true);
    harness.clock.advance(25 * 60 * 60 * 1000);
    // The due date is a month away, so the clock move leaves it in the future.
    const retried = await issue(invoice);
    expect(E.isRight(retried)).toBe(true);
    expect(harness.server.invoices()).toHaveLength(1);
    expect(harness.observed()[0]).toMatchObject({ status: 'issued', payableAmount: 46107n });
  });

  it('after Stripe forgot the key, lines already added are not added again (the batch marker)', async () => {
    const invoice = sampleProviderInvoice();
    harness.server.injectFault({ kind: 'timeout', afterHandling: true }, (r) =>
      r.path.endsWith('/add_lines'),
    );
    expect(E.isLeft(await issue(invoice))).toBe(true);
    harness.clock.advance(25 * 60 * 60 * 1000);
    expect(E.isRight(await issue(invoice))).toBe(true);
    const [only] = harness.server.invoices();
    expect(only?.lines).toHaveLength(3);
    expect(only?.metadata['accrue_line_batches']).toBe('1');
    expect(harness.observed()[0]?.payableAmount).toBe(46107n);
    expect(harness.server.requests.filter((r) => r.path.endsWith('/add_lines'))).toHaveLength(1);
  });

  it('a retry sends byte-identical parameters (Stripe compares them under one key)', async () => {
    const invoice = sampleProviderInvoice();
    harness.server.failNext({ status: 500, error: { type: 'api_error', message: 'boom' } }, (r) =>
      r.path.endsWith('/add_lines'),
    );
    expect(E.isLeft(await issue(invoice))).toBe(true);
    expect(E.isRight(await issue(invoice))).toBe(true);
    const bodies = harness.server.requests
      .filter((r) => r.path.endsWith('/add_lines'))
      .map((r) => [r.headers['idempotency-key'], r.rawBody.toString('utf8')]);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toEqual(bodies[1]);
  });

  it('a draft whose total is not ours is never finalized', async () => {
    const invoice = sampleProviderInvoice();
    harness.server.failNext(
      { status: 400, error: { type: 'invalid_request_error', message: 'refused for the test' } },
      (r) => r.path.endsWith('/finalize'),
    );
    expect(E.isLeft(await issue(invoice))).toBe(true);
    const [draft] = harness.server.invoices();
    if (draft === undefined) throw new Error('no draft');
    // Someone edits the draft in Stripe's dashboard: one more cent.
    draft.lines.push({ ...draft.lines[0]!, id: 'il_extra', amount: 1n, taxes: [] });
    const result = await issue(invoice);
    expect(E.isLeft(result) && result.left).toMatchObject({
      _tag: 'ProviderRejected',
      code: 'total_mismatch',
    });
    expect(draft.status).toBe('draft');
  });

  it('two Stripe invoices claiming the same Accrue invoice are reported, not guessed between', async () => {
    const invoice = sampleProviderInvoice();
    await issued(invoice);
    const other = sampleProviderInvoice({
      number: 'INV-2026-000009',
      invoiceId: '00000000-0000-4000-8000-000000000009',
    });
    await issued(other);
    const copy = harness.server.invoices().find((i) => i.number === other.number);
    if (copy === undefined) throw new Error('no second invoice');
    copy.metadata = { ...copy.metadata, accrue_invoice_id: invoice.invoiceId };
    const result = await issue(invoice, 'issue-again');
    expect(E.isLeft(result) && result.left).toMatchObject({ code: 'duplicate_at_provider' });
  });

  it('one Stripe customer per (tenant, customer): found again, and updated with current details', async () => {
    await issued();
    await issued(
      sampleProviderInvoice({
        number: 'INV-2026-000002',
        invoiceId: '00000000-0000-4000-8000-000000000002',
        customer: {
          id: 'cust-42',
          name: 'Acme Trading SE',
          email: 'billing@acme.example',
          address: { line1: 'Neue Straße 5', city: 'Hamburg', postalCode: '20095', country: 'DE' },
        },
      }),
    );
    expect(harness.server.customers()).toHaveLength(1);
    expect(harness.server.customers()[0]).toMatchObject({
      name: 'Acme Trading SE',
      address: { line1: 'Neue Straße 5', city: 'Hamburg' },
    });
    // Another tenant's customer with the same id and email is another Stripe customer.
    await issued(
      sampleProviderInvoice({
        tenantId: 'tenant-b',
        number: 'INV-2026-000003',
        invoiceId: '00000000-0000-4000-8000-000000000003',
      }),
    );
    expect(harness.server.customers()).toHaveLength(2);
  });

  it('an overlong key is hashed into Stripe’s 255 characters, still one key per step', async () => {
    const long = 'k'.repeat(300);
    expect(E.isRight(await issue(sampleProviderInvoice(), long))).toBe(true);
    const keys = posts().map((r) => r.headers['idempotency-key'] ?? '');
    expect(keys.every((k) => k.length <= 255 && !k.startsWith('kkk'))).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe(stepKey(key(long), 'customer-create'));
  });

  describe('refused before any request', () => {
    const refusedUpFront = async (invoice: ProviderInvoice, code: string) => {
      const result = await issue(invoice);
      expect(E.isLeft(result) && result.left).toMatchObject({ _tag: 'ProviderRejected', code });
      expect(harness.server.requests).toHaveLength(0);
    };

    it('a due date that has passed (Stripe takes only future ones)', async () => {
      harness.clock.advance(40 * DAY);
      await refusedUpFront(sampleProviderInvoice(), 'due_date_in_past');
    });

    it('a number longer than Stripe’s 26 characters, from a 16-character series (we do not let Stripe renumber)', async () => {
      await refusedUpFront(
        { ...sampleProviderInvoice(), number: 'EXPORT-B2B-EUROP-2026-000001' },
        'invoice_number_too_long',
      );
    });

    it('a tax rate with more than 4 decimals', async () => {
      await refusedUpFront(
        sampleProviderInvoice({
          lines: [
            {
              id: '1',
              description: 'X',
              quantity: '1',
              netPrice: '100',
              vat: { category: 'S', rate: '7.12345' },
            },
          ],
          allowances: [],
        }),
        'tax_rate_precision',
      );
    });
  });
});

describe('send, recordPayment, void, markUncollectible', () => {
  it('send emails the customer once per key; a customer without email is refused by Stripe', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    const send = () => harness.provider.send?.({ idempotencyKey: key('send-1'), input: { ref, invoice } })();
    expect(await send()).toEqual(E.right(undefined));
    expect(await send()).toEqual(E.right(undefined));
    expect(harness.server.emails()).toEqual([
      { invoiceId: ref.externalId, to: 'billing@acme.example', at: expect.any(Number) as number },
    ]);

    const noEmail = sampleProviderInvoice({
      number: 'INV-2026-000004',
      invoiceId: '00000000-0000-4000-8000-000000000004',
      customer: { id: 'cust-7', name: 'Walk-in customer' },
    });
    const noEmailRef = await issued(noEmail);
    const result = await harness.provider.send?.({
      idempotencyKey: key('send-2'),
      input: { ref: noEmailRef, invoice: noEmail },
    })();
    expect(result !== undefined && E.isLeft(result) && result.left).toMatchObject({
      _tag: 'ProviderRejected',
      status: 400,
      operation: 'send',
    });
  });

  it('a settling payment marks the invoice, then pays it out of band; repeating sends nothing', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    const before = posts().length;
    const pay = () =>
      harness.provider.recordPayment?.({
        idempotencyKey: key('pay-1'),
        input: { ref, invoice, payment: payment(invoice) },
      })();
    expect(await pay()).toEqual(E.right(undefined));
    expect(
      posts()
        .slice(before)
        .map((r) => [r.path, r.headers['idempotency-key']]),
    ).toEqual([
      [`/v1/invoices/${ref.externalId}`, 'pay-1:mark-paid'],
      [`/v1/invoices/${ref.externalId}/pay`, 'pay-1:pay'],
    ]);
    expect(posts().at(-1)?.rawBody.toString('utf8')).toBe('paid_out_of_band=true');
    expect(stored(ref.externalId)).toMatchObject({
      status: 'paid',
      amountPaid: 46107n,
      amountPaidOffStripe: 46107n,
      metadata: expect.objectContaining({ accrue_payment_id: 'pay-1' }) as unknown,
    });
    const after = posts().length;
    expect(await pay()).toEqual(E.right(undefined));
    expect(posts().length).toBe(after);
  });

  it('after the mark but before the pay failed, the retry pays without marking again', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    harness.server.injectFault({ kind: 'dropConnection', afterHandling: false }, (r) =>
      r.path.endsWith('/pay'),
    );
    const pay = () =>
      harness.provider.recordPayment?.({
        idempotencyKey: key('pay-2'),
        input: { ref, invoice, payment: payment(invoice) },
      })();
    const first = await pay();
    expect(first !== undefined && E.isLeft(first) && first.left._tag).toBe('ProviderUnavailable');
    const before = posts().length;
    expect(await pay()).toEqual(E.right(undefined));
    expect(
      posts()
        .slice(before)
        .map((r) => r.path),
    ).toEqual([`/v1/invoices/${ref.externalId}/pay`]);
    expect(stored(ref.externalId)?.status).toBe('paid');
  });

  it('a partial payment is refused as partial_payment_unsupported and sends nothing', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    const before = harness.server.requests.length;
    const result = await harness.provider.recordPayment?.({
      idempotencyKey: key('pay-partial'),
      input: { ref, invoice, payment: payment(invoice, { amount: 10000n, settlesInvoice: false }) },
    })();
    expect(result !== undefined && E.isLeft(result) && result.left).toMatchObject({
      _tag: 'ProviderRejected',
      code: 'partial_payment_unsupported',
      operation: 'recordPayment',
    });
    expect(harness.server.requests.length).toBe(before);
    expect(stored(ref.externalId)?.status).toBe('open');
  });

  it('an invoice the customer already paid on Stripe needs no out-of-band payment', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    harness.server.payOnStripe(ref.externalId);
    const before = posts().length;
    const result = await harness.provider.recordPayment?.({
      idempotencyKey: key('pay-3'),
      input: { ref, invoice, payment: payment(invoice) },
    })();
    expect(result).toEqual(E.right(undefined));
    expect(posts().length).toBe(before);
    expect(stored(ref.externalId)?.amountPaidOffStripe).toBe(0n);
  });

  it('uncollectible, then void; each repeated changes nothing; a paid invoice cannot be voided', async () => {
    const invoice = sampleProviderInvoice();
    const ref = await issued(invoice);
    const mark = () =>
      harness.provider.markUncollectible?.({ idempotencyKey: key('unc-1'), input: { ref, invoice } })();
    expect(await mark()).toEqual(E.right(undefined));
    expect(stored(ref.externalId)?.status).toBe('uncollectible');
    const before = posts().length;
    expect(await mark()).toEqual(E.right(undefined));
    expect(posts().length).toBe(before);
    const voidIt = (k: string, r = ref, i = invoice) =>
      harness.provider.void?.({
        idempotencyKey: key(k),
        input: { ref: r, invoice: i, reason: 'written off' },
      })();
    expect(await voidIt('void-1')).toEqual(E.right(undefined));
    expect(stored(ref.externalId)?.status).toBe('void');

    const paidInvoice = sampleProviderInvoice({
      number: 'INV-2026-000005',
      invoiceId: '00000000-0000-4000-8000-000000000005',
    });
    const paidRef = await issued(paidInvoice);
    harness.server.payOnStripe(paidRef.externalId);
    const refused = await voidIt('void-2', paidRef, paidInvoice);
    expect(refused !== undefined && E.isLeft(refused) && refused.left).toMatchObject({
      _tag: 'ProviderRejected',
      status: 400,
      operation: 'void',
    });
  });

  it('voiding a draft (an issue that never finished) deletes it; repeating finds it gone and succeeds', async () => {
    const invoice = sampleProviderInvoice();
    harness.server.failNext(
      { status: 400, error: { type: 'invalid_request_error', message: 'refused for the test' } },
      (r) => r.path.endsWith('/finalize'),
    );
    expect(E.isLeft(await issue(invoice))).toBe(true);
    const [draft] = harness.server.invoices();
    if (draft === undefined) throw new Error('no draft');
    const ref = { externalId: draft.id };
    const voidIt = () =>
      harness.provider.void?.({
        idempotencyKey: key('void-draft'),
        input: { ref, invoice, reason: 'never sent' },
      })();
    expect(await voidIt()).toEqual(E.right(undefined));
    expect(draft.deleted).toBe(true);
    expect(harness.observed()).toHaveLength(0);
    expect(await voidIt()).toEqual(E.right(undefined));
  });

  it('an unknown invoice id is a permanent resource_missing for send', async () => {
    const invoice = sampleProviderInvoice();
    const result = await harness.provider.send?.({
      idempotencyKey: key('send-x'),
      input: { ref: { externalId: 'in_doesnotexist' }, invoice },
    })();
    expect(result !== undefined && E.isLeft(result) && result.left).toMatchObject({
      _tag: 'ProviderRejected',
      status: 404,
      code: 'resource_missing',
    });
  });
});
