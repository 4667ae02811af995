import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { invoiceProviderContract } from '../providers/testing/contract.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackRequest } from '../providers/testing/loopback.js';
import type { DollrHarness } from './testing/dollrHarness.js';
import { dollrHarness } from './testing/dollrHarness.js';

let harness: DollrHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const issue = (h: DollrHarness, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

const isItemAdd = (r: LoopbackRequest) => r.method === 'POST' && r.path.endsWith('/items/add');
const isPublish = (r: LoopbackRequest) => r.method === 'PUT' && r.path.startsWith('/v1/invoices/publish/');
const mutating = (h: DollrHarness, from: number) =>
  h.server.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && !r.path.includes('/jwt/'))
    .map((r) => `${r.method} ${r.path}`);

for (const retrieveOmitsItems of [false, true]) {
  describe(`resuming a half-done Dollr issue (retrieve ${retrieveOmitsItems ? 'without' : 'with'} items)`, () => {
    const start = async () => {
      harness = await dollrHarness({ timeoutMs: 10_000, server: { retrieveOmitsItems } });
      return harness;
    };

    it('the second item failed: the retry adds only that one, then publishes', async () => {
      const h = await start();
      let adds = 0;
      h.server.injectFault({ kind: 'serverError' }, (r) => isItemAdd(r) && ++adds === 2);
      const invoice = sampleProviderInvoice();
      expect(await issue(h, invoice)).toMatchObject({ left: { _tag: 'ProviderUnavailable', status: 500 } });
      const before = h.server.requests.length;
      expect(await issue(h, invoice)).toEqual(E.right({ externalId: '1' }));
      expect(mutating(h, before)).toEqual(['POST /v1/invoices/1/items/add', 'PUT /v1/invoices/publish/1']);
      expect(h.dollr.invoices()).toHaveLength(1);
      expect(h.dollr.invoices()[0]?.items.map((item) => item.name)).toEqual(['Consulting', 'Printed manual']);
      expect(h.dollr.invoices()[0]?.status).toBe('ACTIVE');
    });

    it('an item was added but its answer lost: the retry does not add it again', async () => {
      const h = await start();
      h.server.injectFault({ kind: 'dropConnection', afterHandling: true }, isItemAdd);
      const invoice = sampleProviderInvoice();
      expect(await issue(h, invoice)).toMatchObject({ left: { _tag: 'ProviderUnavailable' } });
      expect(h.dollr.invoices()[0]?.items).toHaveLength(1);
      const before = h.server.requests.length;
      expect(E.isRight(await issue(h, invoice))).toBe(true);
      expect(mutating(h, before)).toEqual(['POST /v1/invoices/1/items/add', 'PUT /v1/invoices/publish/1']);
      expect(h.dollr.totalOf(h.dollr.invoices()[0]!)).toBe('461.07');
    });

    it('the publish answer was lost: the retry changes nothing and returns the same invoice', async () => {
      const h = await start();
      h.server.injectFault({ kind: 'dropConnection', afterHandling: true }, isPublish);
      const invoice = sampleProviderInvoice();
      expect(await issue(h, invoice)).toMatchObject({ left: { _tag: 'ProviderUnavailable' } });
      expect(h.dollr.invoices()[0]?.status).toBe('ACTIVE');
      const before = h.server.requests.length;
      expect(await issue(h, invoice)).toEqual(E.right({ externalId: '1' }));
      expect(mutating(h, before)).toEqual([]);
    });

    it('an unpublished invoice with our number but other items is a conflict: nothing added, not published', async () => {
      const h = await start();
      h.server.injectFault({ kind: 'serverError' }, isPublish);
      const invoice = sampleProviderInvoice();
      expect(await issue(h, invoice)).toMatchObject({ left: { _tag: 'ProviderUnavailable' } });
      const changed = sampleProviderInvoice({
        lines: [
          {
            id: '1',
            description: 'Audit',
            quantity: '1',
            netPrice: '999.00',
            vat: { category: 'S', rate: '19' },
          },
        ],
      });
      const before = h.server.requests.length;
      const result = await issue(h, changed);
      expect(result).toMatchObject({ left: { _tag: 'ProviderRejected', code: 'conflicting_invoice' } });
      expect(mutating(h, before)).toEqual([]);
      expect(h.dollr.invoices()[0]?.status).toBe('IDLE');
    });
  });
}

describe('Dollr look-up outcomes', () => {
  it('a published invoice with our number and another total is refused, never returned as ours', async () => {
    harness = await dollrHarness({ timeoutMs: 10_000 });
    expect(E.isRight(await issue(harness, sampleProviderInvoice()))).toBe(true);
    const changed = sampleProviderInvoice({
      charges: [{ amount: '5.00', reason: 'Shipping', vat: { category: 'S', rate: '19' } }],
    });
    expect(await issue(harness, changed)).toMatchObject({
      left: { _tag: 'ProviderRejected', code: 'amount_mismatch' },
    });
  });

  it('our invoice was cancelled at Dollr: issuing again is refused rather than creating a second one', async () => {
    harness = await dollrHarness({ timeoutMs: 10_000 });
    const invoice = sampleProviderInvoice();
    const ref = await issue(harness, invoice);
    if (E.isLeft(ref)) throw new Error(ref.left.message);
    const voided = await harness.provider.void?.({
      idempotencyKey: idempotencyKey('void'),
      input: { ref: ref.right, invoice, reason: 'Issued in error' },
    })();
    expect(voided).toEqual(E.right(undefined));
    expect(await issue(harness, invoice)).toMatchObject({
      left: { _tag: 'ProviderRejected', code: 'cancelled_at_provider' },
    });
    expect(harness.dollr.invoices()).toHaveLength(1);
  });

  it('looks up in the invoice currency only', async () => {
    harness = await dollrHarness({ timeoutMs: 10_000 });
    expect(E.isRight(await issue(harness, sampleProviderInvoice()))).toBe(true);
    const lists = harness.server.requests.filter((r) => r.path === '/v1/invoices/list');
    expect(lists.map((r) => r.query.toString())).toEqual(['currency=EUR']);
  });
});

// The whole contract again, against a Dollr whose `retrieve` leaves the items out: resuming then relies on the
// total alone (a prefix of our items), under every fault.
invoiceProviderContract('dollr (retrieve without items)', () =>
  dollrHarness({ server: { retrieveOmitsItems: true } }),
);
