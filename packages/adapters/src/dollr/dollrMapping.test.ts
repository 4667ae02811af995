import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { amountMappingSamples, sampleProviderInvoice } from '../providers/testing/fixtures.js';
import { createDollrProvider } from './dollrProvider.js';
import type { DollrHarness } from './testing/dollrHarness.js';
import { DOLLR_TEST_CREDENTIALS, dollrHarness } from './testing/dollrHarness.js';

let harness: DollrHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (options: Parameters<typeof dollrHarness>[0] = {}) => {
  harness = await dollrHarness({ timeoutMs: 10_000, ...options });
  return harness;
};

const issue = (h: Pick<DollrHarness, 'provider'>, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

const bodies = (h: DollrHarness, path: RegExp) =>
  h.server.requests
    .filter((r) => r.method !== 'GET' && path.test(r.path))
    .map((r) => r.rawBody.toString('utf8'));

describe('Dollr amount mapping: the exact numbers on the wire', () => {
  it('EUR: VAT-inclusive items, the allowance spread over them, Σ qty × amount = 461.07', async () => {
    const h = await start();
    const invoice = amountMappingSamples.EUR();
    expect(await issue(h, invoice)).toEqual(E.right({ externalId: '1' }));
    expect(bodies(h, /\/items\/add$/)).toEqual([
      '{"name":"Consulting","currency":"EUR","qty":3,"amount":139.79}',
      '{"name":"Printed manual","currency":"EUR","qty":2,"amount":20.85}',
    ]);
    expect(h.dollr.totalOf(h.dollr.invoices()[0]!)).toBe('461.07');
  });

  it('JPY: whole yen; a line whose amount does not divide by its quantity goes as qty 1', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, amountMappingSamples.JPY()))).toBe(true);
    expect(bodies(h, /\/items\/add$/)).toEqual([
      '{"name":"Tea set","currency":"JPY","qty":3,"amount":1375}',
      '{"name":"Rice crackers (qty 7)","currency":"JPY","qty":1,"amount":2517}',
    ]);
    expect(h.dollr.totalOf(h.dollr.invoices()[0]!)).toBe('6642');
  });

  it('KWD: three decimals cannot be carried (at most 2): refused before any request', async () => {
    const h = await start();
    const result = await issue(h, amountMappingSamples.KWD());
    expect(result).toMatchObject({ left: { _tag: 'ProviderRejected', code: 'currency_precision' } });
    expect(h.server.requests).toHaveLength(0);
  });

  it('EUR with VAT-inclusive prices: the prices as entered', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, amountMappingSamples.EUR_INCLUSIVE()))).toBe(true);
    expect(bodies(h, /\/items\/add$/)).toEqual([
      '{"name":"Gift box","currency":"EUR","qty":3,"amount":19.99}',
      '{"name":"Book","currency":"EUR","qty":1,"amount":24.95}',
    ]);
  });

  it('the create body: counterparty, currency, note, PAYEE, payment link, our number, due date', async () => {
    const h = await start();
    const invoice = sampleProviderInvoice();
    expect(E.isRight(await issue(h, invoice))).toBe(true);
    const [create] = bodies(h, /\/invoices\/create$/);
    const parsed = JSON.parse(create ?? '') as Record<string, unknown>;
    expect(parsed).toMatchObject({
      counterparty_id: DOLLR_TEST_CREDENTIALS.counterpartyId,
      currency: 'EUR',
      fee_bearer: 'PAYEE',
      as_payment_link: true,
      reference_id: 'INV-2026-000001',
      due_date: `${invoice.dueDate}T00:00:00Z`,
    });
    expect(parsed['note']).toContain('Invoice INV-2026-000001');
    expect(parsed['note']).toContain('VAT 19% on 351.50 EUR: 66.79 EUR');
    expect(h.dollr.invoices()[0]?.status).toBe('ACTIVE');
    expect(h.server.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/v1/invoices/publish/1',
    ]);
  });
});

describe('Dollr refusals before any request', () => {
  it('a currency the connection does not list is refused (unsupported_currency); the default is USD, LRD, RWF', async () => {
    const h = await start();
    const { currencies: _listed, ...unlisted } = h.config;
    const provider = createDollrProvider(unlisted);
    expect(await issue({ provider }, amountMappingSamples.EUR())).toMatchObject({
      left: { _tag: 'ProviderRejected', code: 'unsupported_currency' },
    });
    const usd = sampleProviderInvoice({ currency: 'USD' });
    expect(E.isRight(await issue({ provider }, usd))).toBe(true);
    expect(h.dollr.invoices().map((i) => i.currency)).toEqual(['USD']);
  });

  it('a customer without a counterparty is refused (unknown_counterparty); a mapped one is used', async () => {
    const h = await start();
    const { defaultCounterpartyId: _default, ...withoutDefault } = h.config;
    const unmapped = createDollrProvider(withoutDefault);
    expect(await issue({ provider: unmapped }, sampleProviderInvoice())).toMatchObject({
      left: { _tag: 'ProviderRejected', code: 'unknown_counterparty' },
    });
    expect(h.server.requests).toHaveLength(0);
    const mapped = createDollrProvider({
      ...withoutDefault,
      counterparties: { 'cust-42': DOLLR_TEST_CREDENTIALS.counterpartyId },
    });
    expect(E.isRight(await issue({ provider: mapped }, sampleProviderInvoice()))).toBe(true);
    expect(h.dollr.invoices()[0]?.counterparty_id).toBe(DOLLR_TEST_CREDENTIALS.counterpartyId);
  });
});
