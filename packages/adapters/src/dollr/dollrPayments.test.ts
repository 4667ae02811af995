import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ExternalInvoiceRef } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { DollrHarness } from './testing/dollrHarness.js';
import { dollrHarness } from './testing/dollrHarness.js';

let harness: DollrHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const issued = async () => {
  harness = await dollrHarness({ timeoutMs: 10_000 });
  const invoice = sampleProviderInvoice();
  const ref = await harness.provider.issue({ idempotencyKey: idempotencyKey('issue'), input: invoice })();
  if (E.isLeft(ref)) throw new Error(ref.left.message);
  return { h: harness, invoice, ref: ref.right };
};

const poll = (h: DollrHarness, ref: ExternalInvoiceRef) => {
  const pollPayment = h.provider.pollPayment;
  if (pollPayment === undefined) throw new Error('Dollr must poll');
  return pollPayment(ref)();
};

describe('Dollr payments by polling', () => {
  it('supports void only, and polls instead of webhooks', async () => {
    harness = await dollrHarness({ timeoutMs: 10_000 });
    expect([...harness.provider.supports]).toEqual(['void']);
    expect(harness.provider.send).toBeUndefined();
    expect(harness.provider.recordPayment).toBeUndefined();
    expect(harness.provider.pollPayment).toBeDefined();
  });

  it('ACTIVE → unpaid, PROCESSING → processing, PAID → paid with the total, the time and a stable payment id', async () => {
    const { h, invoice, ref } = await issued();
    expect(await poll(h, ref)).toEqual(E.right({ externalId: ref.externalId, status: 'unpaid' }));
    h.dollr.markProcessing(1);
    expect(await poll(h, ref)).toEqual(E.right({ externalId: ref.externalId, status: 'processing' }));
    h.clock.advance(3_600_000);
    h.dollr.markPaid(1);
    const paid = {
      externalId: ref.externalId,
      status: 'paid',
      paidAmount: invoice.totals.payableAmount,
      paidAt: '2026-11-02T10:00:00.000Z',
      providerPaymentId: 'dollr-invoice:1',
    };
    expect(await poll(h, ref)).toEqual(E.right(paid));
    expect(await poll(h, ref)).toEqual(E.right(paid));
    expect(
      h.server.requests.filter((r) => r.method === 'GET' && r.path === '/v1/invoices/retrieve/1').length,
    ).toBeGreaterThan(3);
  });

  it('a cancelled invoice polls as cancelled; an unknown id is refused', async () => {
    const { h, invoice, ref } = await issued();
    await h.provider.void?.({
      idempotencyKey: idempotencyKey('void'),
      input: { ref, invoice, reason: 'x' },
    })();
    expect(await poll(h, ref)).toEqual(E.right({ externalId: ref.externalId, status: 'cancelled' }));
    expect(await poll(h, { externalId: '999' })).toMatchObject({
      left: {
        _tag: 'ProviderRejected',
        operation: 'poll',
        status: 404,
        message: expect.stringContaining('Invoice not found') as unknown,
      },
    });
    expect(await poll(h, { externalId: 'inv_1' })).toMatchObject({ left: { code: 'bad_reference' } });
  });
});

describe('Dollr void (cancel)', () => {
  const voidIt = (h: DollrHarness, ref: ExternalInvoiceRef, invoice = sampleProviderInvoice()) => {
    const cancel = h.provider.void;
    if (cancel === undefined) throw new Error('Dollr supports void');
    return cancel({
      idempotencyKey: idempotencyKey('void'),
      input: { ref, invoice, reason: 'Issued in error' },
    })();
  };

  it('cancels with DELETE /v1/invoices/cancel/{id}; again is a no-op', async () => {
    const { h, ref } = await issued();
    expect(await voidIt(h, ref)).toEqual(E.right(undefined));
    expect(await voidIt(h, ref)).toEqual(E.right(undefined));
    expect(h.server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/v1/invoices/cancel/1',
    ]);
    expect(h.dollr.invoices()[0]?.status).toBe('CANCELED');
  });

  it('a cancel whose answer was lost is done on retry', async () => {
    const { h, ref } = await issued();
    h.server.injectFault({ kind: 'dropConnection', afterHandling: true }, (r) => r.method === 'DELETE');
    expect(await voidIt(h, ref)).toMatchObject({ left: { _tag: 'ProviderUnavailable', operation: 'void' } });
    expect(await voidIt(h, ref)).toEqual(E.right(undefined));
    expect(h.dollr.invoices()[0]?.status).toBe('CANCELED');
  });

  it('a paid invoice cannot be cancelled', async () => {
    const { h, ref } = await issued();
    h.dollr.markPaid(1);
    expect(await voidIt(h, ref)).toMatchObject({ left: { _tag: 'ProviderRejected', code: 'already_paid' } });
    expect(h.server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });
});
