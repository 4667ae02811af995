import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  ProviderError,
  ProviderInvoice,
  ProviderPayment,
} from '../port.js';
import { idempotencyKey } from '../port.js';
import { amountMappingSamples, sampleProviderInvoice } from './fixtures.js';
import type { Fault, LoopbackServer } from './loopback.js';

/** An invoice as the provider's test server holds it, read back in our terms. */
export interface ObservedInvoice {
  readonly externalId: string;
  /** Our invoice number, as the provider stored it (reference, invoice number, metadata…). */
  readonly reference: string;
  /** Upper-case ISO code. */
  readonly currency: string;
  /** What the provider will collect, converted back to minor units of `currency`. */
  readonly payableAmount: bigint;
  /** The provider's tax total in minor units, where it keeps one. */
  readonly taxAmount?: bigint;
  readonly status: 'draft' | 'issued' | 'sent' | 'paid' | 'void' | 'uncollectible';
  readonly paymentLink?: string;
}

/** What each adapter's test gives the contract suite. */
export interface ProviderHarness {
  readonly provider: InvoiceProvider;
  readonly server: LoopbackServer;
  /** The test server's invoices (all of them: duplicates would show here). */
  readonly observed: () => ReadonlyArray<ObservedInvoice>;
  /** The same adapter configured with credentials the server refuses. */
  readonly withBadCredentials: () => InvoiceProvider;
  /**
   * The currencies this provider carries exactly. Others must be refused with `ProviderRejected` (code
   * `currency_precision` or `unsupported_currency`), never rounded.
   */
  readonly exactCurrencies: ReadonlyArray<'EUR' | 'JPY' | 'KWD'>;
  /** The adapter's request timeout, short in tests; the timeout faults wait for it. */
  readonly close: () => Promise<void>;
}

const key = (text: string) => idempotencyKey(text);

const run = <A>(task: TE.TaskEither<ProviderError, A>): Promise<E.Either<ProviderError, A>> => task();

const ok = async <A>(task: TE.TaskEither<ProviderError, A>): Promise<A> => {
  const result = await task();
  if (E.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left, replacer)}`);
  return result.right;
};

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

/** Retries a retryable failure the way the process manager does (without waiting), up to `attempts`. */
const untilDone = async <A>(
  attempt: () => TE.TaskEither<ProviderError, A>,
  attempts = 6,
): Promise<{ value: A; failures: ProviderError[] }> => {
  const failures: ProviderError[] = [];
  for (let i = 0; i < attempts; i += 1) {
    const result = await run(attempt());
    if (E.isRight(result)) return { value: result.right, failures };
    failures.push(result.left);
    if (result.left._tag === 'ProviderRejected') {
      throw new Error(`permanent failure: ${JSON.stringify(result.left, replacer)}`);
    }
  }
  throw new Error(`still failing after ${attempts} attempts: ${JSON.stringify(failures, replacer)}`);
};

const matching = (observed: ReadonlyArray<ObservedInvoice>, invoice: ProviderInvoice) =>
  observed.filter((entry) => entry.reference === invoice.number);

/**
 * The one contract every `InvoiceProvider` runs, over real HTTP against its provider's loopback test server.
 * `setup` gives a fresh server and adapter per test.
 */
export const invoiceProviderContract = (name: string, setup: () => Promise<ProviderHarness>): void => {
  describe(`InvoiceProvider contract: ${name}`, () => {
    let harness: ProviderHarness;
    beforeEach(async () => {
      harness = await setup();
    });
    afterEach(async () => {
      await harness.close();
    });

    const issue = (invoice: ProviderInvoice, k = `issue-${invoice.invoiceId}`) =>
      harness.provider.issue({ idempotencyKey: key(k), input: invoice });

    it('issues an invoice once, with our number, currency and payable amount', async () => {
      const invoice = sampleProviderInvoice();
      const ref = await ok(issue(invoice));
      expect(ref.externalId).not.toBe('');
      const found = matching(harness.observed(), invoice);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        externalId: ref.externalId,
        currency: invoice.currency,
        payableAmount: invoice.totals.payableAmount,
      });
      expect(found[0]?.status).not.toBe('draft');
      if (found[0]?.taxAmount !== undefined) expect(found[0].taxAmount).toBe(invoice.totals.taxAmount);
      if (found[0]?.paymentLink !== undefined) expect(ref.paymentLink).toBe(found[0].paymentLink);
    });

    it('issuing again with the same key gives the same invoice and creates nothing', async () => {
      const invoice = sampleProviderInvoice();
      const first = await ok(issue(invoice));
      const second = await ok(issue(invoice));
      expect(second.externalId).toBe(first.externalId);
      expect(matching(harness.observed(), invoice)).toHaveLength(1);
    });

    it('two different invoices are two invoices at the provider', async () => {
      const a = sampleProviderInvoice({
        number: 'INV-2026-000011',
        invoiceId: '00000000-0000-4000-8000-000000000011',
      });
      const b = sampleProviderInvoice({
        number: 'INV-2026-000012',
        invoiceId: '00000000-0000-4000-8000-000000000012',
      });
      const refA = await ok(issue(a));
      const refB = await ok(issue(b));
      expect(refA.externalId).not.toBe(refB.externalId);
      expect(matching(harness.observed(), a)).toHaveLength(1);
      expect(matching(harness.observed(), b)).toHaveLength(1);
    });

    it('refuses bad credentials permanently and creates nothing', async () => {
      const invoice = sampleProviderInvoice();
      const result = await run(
        harness.withBadCredentials().issue({ idempotencyKey: key('bad-credentials'), input: invoice }),
      );
      expect(E.isLeft(result) && result.left._tag).toBe('ProviderRejected');
      if (E.isLeft(result)) expect([401, 403]).toContain(result.left.status);
      expect(matching(harness.observed(), invoice)).toHaveLength(0);
    });

    const faults: ReadonlyArray<{ readonly title: string; readonly fault: Fault }> = [
      { title: 'a 500', fault: { kind: 'serverError' } },
      { title: 'a 429 with Retry-After', fault: { kind: 'rateLimited', retryAfterSeconds: 7 } },
      { title: 'a timeout before the provider acted', fault: { kind: 'timeout', afterHandling: false } },
      { title: 'a timeout after the provider acted', fault: { kind: 'timeout', afterHandling: true } },
      {
        title: 'a dropped connection before the provider acted',
        fault: { kind: 'dropConnection', afterHandling: false },
      },
      {
        title: 'a dropped connection after the provider acted',
        fault: { kind: 'dropConnection', afterHandling: true },
      },
      { title: 'a token expired in mid-flight', fault: { kind: 'expireTokens' } },
    ];
    const mutating = (request: { method: string; path: string }) =>
      request.method !== 'GET' && !/token|auth/i.test(request.path);

    for (const { title, fault } of faults) {
      it(`after ${title} on any of its requests, a retried issue leaves exactly one invoice with the right amount`, async () => {
        const invoice = sampleProviderInvoice();
        // Probe how many mutating requests one clean issue makes, then fault each of them in turn.
        const probe = await setup();
        const before = probe.server.requests.length;
        await ok(probe.provider.issue({ idempotencyKey: key('probe'), input: invoice }));
        const steps = probe.server.requests.slice(before).filter(mutating).length;
        await probe.close();
        expect(steps).toBeGreaterThan(0);

        for (let step = 0; step < steps; step += 1) {
          const stepInvoice = sampleProviderInvoice({
            number: `INV-2026-${String(500 + step).padStart(6, '0')}`,
            invoiceId: `00000000-0000-4000-8000-${String(500 + step).padStart(12, '0')}`,
          });
          let seen = 0;
          harness.server.injectFault(fault, (request) => mutating(request) && seen++ === step);
          const { value, failures } = await untilDone(() => issue(stepInvoice));
          if (fault.kind === 'expireTokens') {
            // A mid-flight expiry is absorbed by the adapter (refresh and replay) or surfaces as retryable.
            expect(failures.every((f) => f._tag === 'ProviderUnavailable')).toBe(true);
          } else {
            expect(failures.length).toBeGreaterThan(0);
            expect(failures[0]?._tag).toBe('ProviderUnavailable');
          }
          if (fault.kind === 'rateLimited') {
            expect(failures[0]?._tag === 'ProviderUnavailable' && failures[0].retryAfterMs).toBe(7000);
          }
          const found = matching(harness.observed(), stepInvoice);
          expect(found, `step ${step}`).toHaveLength(1);
          expect(found[0]?.externalId).toBe(value.externalId);
          expect(found[0]?.payableAmount).toBe(stepInvoice.totals.payableAmount);
        }
      });
    }

    it('every operation it supports moves the invoice at the provider, and repeating one changes nothing', async () => {
      const { provider } = harness;
      const invoice = sampleProviderInvoice();
      const ref: ExternalInvoiceRef = await ok(issue(invoice));
      const statusOf = () => matching(harness.observed(), invoice)[0]?.status;
      if (provider.send !== undefined && provider.supports.has('send')) {
        const send = () => provider.send?.({ idempotencyKey: key('send-1'), input: { ref, invoice } });
        await ok(send() ?? fail());
        expect(statusOf()).toBe('sent');
        await ok(send() ?? fail());
        expect(statusOf()).toBe('sent');
      }
      if (provider.recordPayment !== undefined && provider.supports.has('recordPayment')) {
        const payment: ProviderPayment = {
          paymentId: 'pay-1',
          amount: invoice.totals.payableAmount,
          currency: invoice.currency,
          paidAt: '2026-11-10T10:00:00.000Z',
          settlesInvoice: true,
          reference: 'bank transfer 8812',
        };
        const pay = () =>
          provider.recordPayment?.({ idempotencyKey: key('pay-1'), input: { ref, invoice, payment } });
        await ok(pay() ?? fail());
        expect(statusOf()).toBe('paid');
        await ok(pay() ?? fail());
        expect(statusOf()).toBe('paid');
        expect(matching(harness.observed(), invoice)).toHaveLength(1);
      }
    });

    it('voids an issued invoice when it supports void', async () => {
      const { provider } = harness;
      if (provider.void === undefined || !provider.supports.has('void')) return;
      const invoice = sampleProviderInvoice();
      const ref = await ok(issue(invoice));
      const voidIt = () =>
        provider.void?.({
          idempotencyKey: key('void-1'),
          input: { ref, invoice, reason: 'Issued in error' },
        });
      await ok(voidIt() ?? fail());
      expect(matching(harness.observed(), invoice)[0]?.status).toBe('void');
      await ok(voidIt() ?? fail());
      expect(matching(harness.observed(), invoice)[0]?.status).toBe('void');
    });

    for (const [currency, sample] of Object.entries(amountMappingSamples)) {
      it(`amount mapping ${currency}: the provider collects exactly our payable amount, or refuses`, async () => {
        const invoice = sample();
        const result = await run(issue(invoice));
        const exact = harness.exactCurrencies.includes(invoice.currency as 'EUR' | 'JPY' | 'KWD');
        if (exact) {
          if (E.isLeft(result)) throw new Error(JSON.stringify(result.left, replacer));
          const found = matching(harness.observed(), invoice);
          expect(found).toHaveLength(1);
          expect(found[0]?.payableAmount).toBe(invoice.totals.payableAmount);
          if (found[0]?.taxAmount !== undefined) expect(found[0].taxAmount).toBe(invoice.totals.taxAmount);
        } else {
          expect(E.isLeft(result) && result.left._tag).toBe('ProviderRejected');
          if (E.isLeft(result) && result.left._tag === 'ProviderRejected')
            expect(['currency_precision', 'unsupported_currency']).toContain(result.left.code);
          expect(matching(harness.observed(), invoice)).toHaveLength(0);
        }
      });
    }
  });
};

const fail = (): never => {
  throw new Error('operation declared in `supports` but not implemented');
};
