import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { parseExactJson } from '../providers/exactJson.js';
import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackRequest } from '../providers/testing/loopback.js';
import { IncardUuid } from './config.js';
import { createIncardProvider } from './incardProvider.js';
import type { IncardHarness } from './testing/incardHarness.js';
import { INCARD_TEST_IDS, incardHarness } from './testing/incardHarness.js';

let harness: IncardHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (options: Parameters<typeof incardHarness>[0] = {}) => {
  harness = await incardHarness({ timeoutMs: 10_000, ...options });
  return harness;
};

const issue = (h: IncardHarness, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

const creates = (h: IncardHarness): ReadonlyArray<LoopbackRequest> =>
  h.server.requests.filter((r) => r.method === 'POST' && r.path === '/developer/company/invoices');

const uuid = (text: string): IncardUuid => {
  const decoded = IncardUuid.decode(text);
  if (E.isLeft(decoded)) throw new Error(`not a UUID: ${text}`);
  return decoded.right;
};

const wireBody = (request: LoopbackRequest | undefined): string => request?.rawBody.toString('utf8') ?? '';

describe('Incard amount mapping: the exact numbers on the wire', () => {
  it('EUR: VAT-inclusive lines, the document allowance spread over them, amount = payable 461.07', async () => {
    const h = await start();
    const invoice = amountMappingSamples.EUR();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const body = wireBody(creates(h)[0]);
    // 3 × 139.79 + 2 × 20.85 = 419.37 + 41.70 = 461.07: net 401.48 − 10.00 allowance + 69.59 VAT.
    expect(body).toContain('"amount":461.07,');
    expect(body).toContain(
      '"line_items":[{"quantity":3,"unit_price":139.79,"discount":0,"description":"Consulting"},' +
        '{"quantity":2,"unit_price":20.85,"discount":0,"description":"Printed manual"}]',
    );
  });

  it('JPY (a JPY deposit account): whole yen, and a line whose amount does not divide goes as quantity 1', async () => {
    const h = await start({ currency: 'JPY' });
    const invoice = amountMappingSamples.JPY();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const body = wireBody(creates(h)[0]);
    expect(body).toContain('"amount":6642,');
    // Tea set: 3 × (1250 + 10 %) = 3 × 1375. Rice crackers: 7 × 333 = 2331 + 186 VAT = 2517, not a multiple of 7.
    expect(body).toContain(
      '"line_items":[{"quantity":3,"unit_price":1375,"discount":0,"description":"Tea set"},' +
        '{"quantity":1,"unit_price":2517,"discount":0,"description":"Rice crackers (qty 7)"}]',
    );
    expect(h.observed()[0]?.payableAmount).toBe(6642n);
  });

  it('KWD (a KWD deposit account): three decimals', async () => {
    const h = await start({ currency: 'KWD' });
    const invoice = amountMappingSamples.KWD();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const body = wireBody(creates(h)[0]);
    expect(body).toContain('"amount":26.924,');
    expect(body).toContain(
      '"line_items":[{"quantity":1,"unit_price":25.925,"discount":0,"description":"Service (qty 2)"},' +
        '{"quantity":1,"unit_price":0.999,"discount":0,"description":"Parts"}]',
    );
    expect(h.observed()[0]?.payableAmount).toBe(26924n);
  });

  it('EUR with VAT-inclusive prices: the prices as entered', async () => {
    const h = await start();
    const invoice = amountMappingSamples.EUR_INCLUSIVE();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const body = wireBody(creates(h)[0]);
    expect(body).toContain('"amount":84.92,');
    expect(body).toContain(
      '"line_items":[{"quantity":3,"unit_price":19.99,"discount":0,"description":"Gift box"},' +
        '{"quantity":1,"unit_price":24.95,"discount":0,"description":"Book"}]',
    );
  });

  it('a document charge: one more line, and the lines still sum exactly to the payable amount', async () => {
    const h = await start();
    const invoice = sampleProviderInvoice({
      number: 'INV-2026-000120',
      invoiceId: '00000000-0000-4000-8000-000000000120',
      charges: [{ amount: '7.50', reason: 'Shipping', vat: { category: 'S', rate: '19' } }],
    });
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const json = parseExactJson(wireBody(creates(h)[0]));
    if (E.isLeft(json)) throw new Error(json.left);
    const lines = (json.right as { line_items: ReadonlyArray<{ description: string }> }).line_items;
    expect(lines.map((line) => line.description)).toEqual([
      'Consulting (qty 3)',
      'Printed manual',
      'Shipping',
    ]);
    // The test server refuses an `amount` that differs from Σ quantity × unit_price.
    expect(h.observed()[0]?.payableAmount).toBe(invoice.totals.payableAmount);
  });

  it('sends the fields Incard documents: our number, ISO datetimes, the configured UUIDs, VAT in the notes', async () => {
    const h = await start();
    const invoice = sampleProviderInvoice();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const json = parseExactJson(wireBody(creates(h)[0]));
    if (E.isLeft(json)) throw new Error(json.left);
    expect(json.right).toMatchObject({
      invoice_number: 'INV-2026-000001',
      issued_at: '2026-11-02T00:00:00.000Z',
      due_date: `${invoice.dueDate}T00:00:00.000Z`,
      template_id: INCARD_TEST_IDS.templateId,
      deposit_account_id: INCARD_TEST_IDS.depositAccountId,
      recipient_id: INCARD_TEST_IDS.recipientId,
      email: 'billing@acme.example',
      reference: 'INV-2026-000001',
    });
    const notes = (json.right as { notes: string }).notes;
    expect(notes).toContain('Your reference: PO-2026-118');
    expect(notes).toContain('VAT 19% on 351.50 EUR: 66.79 EUR');
    expect(notes).toContain('VAT 7% on 39.98 EUR: 2.80 EUR');
    expect(notes).toContain('Loyalty discount: -10.00 EUR');
  });
});

describe('Incard refusals before any request', () => {
  it('an invoice in another currency than the deposit account is refused (unsupported_currency)', async () => {
    const h = await start({ currency: 'GBP' });
    const result = await issue(h, amountMappingSamples.EUR());
    expect(result).toMatchObject({ left: { _tag: 'ProviderRejected', code: 'unsupported_currency' } });
    expect(h.server.requests).toHaveLength(0);
  });

  it('a customer without a configured recipient is refused (unknown_recipient)', async () => {
    const h = await start();
    const { defaultRecipientId: _ignored, ...withoutDefault } = h.config;
    const provider = createIncardProvider({
      ...withoutDefault,
      recipients: { 'someone-else': uuid(INCARD_TEST_IDS.recipientId) },
    });
    const invoice = sampleProviderInvoice();
    const result = await provider.issue({ idempotencyKey: idempotencyKey('k'), input: invoice })();
    expect(result).toMatchObject({ left: { _tag: 'ProviderRejected', code: 'unknown_recipient' } });
    expect(h.server.requests).toHaveLength(0);
  });

  it('a recipient mapped by our customer id is used', async () => {
    const h = await start();
    const mapped = INCARD_TEST_IDS.recipientId;
    const { defaultRecipientId: _ignored, ...withoutDefault } = h.config;
    const provider = createIncardProvider({
      ...withoutDefault,
      recipients: { 'cust-42': uuid(mapped) },
    });
    const result = await provider.issue({
      idempotencyKey: idempotencyKey('k'),
      input: sampleProviderInvoice(),
    })();
    expect(E.isRight(result)).toBe(true);
    expect(wireBody(creates(h)[0])).toContain(`"recipient_id":"${mapped}"`);
  });
});

describe('Incard look-up before create', () => {
  it('finds our invoice on a later page of the list and creates nothing', async () => {
    const h = await start({ pageSize: 2 });
    const ours = sampleProviderInvoice({
      number: 'INV-2026-000200',
      invoiceId: '00000000-0000-4000-8000-000000000200',
    });
    const first = await issue(h, ours);
    for (let i = 1; i <= 5; i += 1) {
      const other = sampleProviderInvoice({
        number: `INV-2026-00021${i}`,
        invoiceId: `00000000-0000-4000-8000-00000000021${i}`,
      });
      expect(E.isRight(await issue(h, other))).toBe(true);
    }
    const listsBefore = h.server.requests.filter((r) => r.path === '/developer/companies/invoices').length;
    const again = await issue(h, ours);
    expect(again).toEqual(first);
    expect(h.incard.invoices().filter((i) => i.invoice_number === ours.number)).toHaveLength(1);
    // Newest first, two per page: ours is the sixth, on the third page.
    const pages = h.server.requests
      .filter((r) => r.path === '/developer/companies/invoices')
      .slice(listsBefore);
    expect(pages.map((r) => r.query.get('skip'))).toEqual(['0', '2', '4']);
    expect(pages.every((r) => r.query.get('take') === '2')).toBe(true);
  });

  it('after the create answer was lost, the retry returns the same public id and payment link', async () => {
    const h = await start();
    const invoice = sampleProviderInvoice();
    h.server.injectFault(
      { kind: 'dropConnection', afterHandling: true },
      (r) => r.method === 'POST' && r.path === '/developer/company/invoices',
    );
    const lost = await issue(h, invoice);
    expect(lost).toMatchObject({ left: { _tag: 'ProviderUnavailable' } });
    const retried = await issue(h, invoice);
    const stored = h.incard.invoices();
    expect(stored).toHaveLength(1);
    expect(retried).toEqual(
      E.right({
        externalId: stored[0]?.public_id,
        paymentLink: `https://send.incard.com/invoices/${stored[0]?.public_id ?? ''}`,
      }),
    );
  });
});
