/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   the suite reads JSON answers as a client does, untyped */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ObservedInvoice } from '@accrue/adapters/providers/testing';
import type { Fault, LoopbackRequest, LoopbackServer } from '@accrue/adapters/providers/testing';
import type { ProviderName } from '@accrue/adapters/providers';
import type { ProviderSyncEvent } from '@accrue/domain';
import { loadStream, providerSyncAggregate, providerSyncStream } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ManualClock } from '../support/manualClock.js';
import { createManualClock } from '../support/manualClock.js';
import type { RunningSyncServer } from '../support/startSyncServer.js';
import { http, startSyncServer } from '../support/startSyncServer.js';
import { recordingLog } from '../support/world.js';

/**
 * The acceptance suite of provider sync, run per provider: the real server (HTTP API, projections, sync) with
 * `ACCRUE_PROVIDERS` pointing at that provider's loopback test server (`@accrue/adapters/<name>/testing`), faults
 * injected into the provider's answers, invoices created and approved through the HTTP API, and the provider's
 * own records checked: every invoice there exactly once, with our payable amount.
 */
export interface WebhookDelivery {
  readonly rawBody: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ProviderUnderTest {
  readonly provider: ProviderName;
  /** The connection's settings (beside `tenantId` and `provider`), pointed at the loopback server. */
  readonly settings: Record<string, unknown>;
  readonly server: LoopbackServer;
  /** The provider's invoices, read back in our terms (all of them: duplicates would show). */
  readonly observed: () => ReadonlyArray<ObservedInvoice>;
  /**
   * The customer pays the invoice at the provider. Returns the webhook the provider then sends, or undefined
   * for providers that are polled (Dollr).
   */
  readonly pay: (externalId: string) => WebhookDelivery | undefined;
  readonly close: () => Promise<void>;
}

const KEY = 'e2e-tenant-key-0123456789';
const TENANT = 'acme';

/** An invoice with two VAT rates and uneven amounts, so a rounding or unit mistake shows. */
const draft = (i: number): Record<string, unknown> => ({
  customer: {
    id: `cust-${String(i)}`,
    name: 'Acme Trading GmbH',
    email: 'billing@acme.example',
    vat_number: 'DE123456789',
    address: { line1: 'Hauptstraße 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
  },
  currency: 'EUR',
  issue_date: '2026-11-21',
  payment_terms_days: 14,
  lines: [
    {
      description: 'Consulting',
      quantity: String(i + 1),
      unit_price: '120.50',
      tax_category: 'S',
      tax_rate: '19',
    },
    {
      description: 'Printed manual',
      quantity: '2',
      unit_price: `${String(10 + i)}.99`,
      tax_category: 'S',
      tax_rate: '7',
    },
  ],
});

const minorUnits = (decimal: string): bigint => {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
};

const mutating = (request: LoopbackRequest): boolean =>
  request.method !== 'GET' && !/token|auth/i.test(request.path);

export const FAULTS: ReadonlyArray<{ readonly title: string; readonly fault: Fault }> = [
  { title: '500', fault: { kind: 'serverError' } },
  { title: '429 with Retry-After', fault: { kind: 'rateLimited', retryAfterSeconds: 7 } },
  { title: 'timeout before acting', fault: { kind: 'timeout', afterHandling: false } },
  { title: 'timeout after acting', fault: { kind: 'timeout', afterHandling: true } },
  { title: 'dropped connection before acting', fault: { kind: 'dropConnection', afterHandling: false } },
  { title: 'dropped connection after acting', fault: { kind: 'dropConnection', afterHandling: true } },
  { title: 'token expired in mid-flight', fault: { kind: 'expireTokens' } },
];

export const providerEndToEnd = (
  name: ProviderName,
  setup: (clock: ManualClock) => Promise<ProviderUnderTest>,
): void => {
  describe(`provider sync end to end: ${name}`, () => {
    let dir: string;
    let clock: ManualClock;
    let provider: ProviderUnderTest;
    let server: RunningSyncServer;
    const log = recordingLog();

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), `accrue-e2e-${name}-`));
      clock = createManualClock(Date.parse('2026-11-21T10:00:00.000Z'));
      provider = await setup(clock);
      server = await startSyncServer(
        {
          ACCRUE_STORE: `sqlite:${join(dir, 'accrue.db')}`,
          ACCRUE_API_KEYS: `${TENANT}:${KEY}`,
          ACCRUE_PROVIDERS: JSON.stringify({
            connections: [{ tenantId: TENANT, provider: name, ...provider.settings }],
            retry: { baseDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: 0.5, maxAttempts: 10 },
            requestTimeoutMs: 300,
          }),
        },
        { clock, log },
      );
    });

    afterEach(async () => {
      await server.stop();
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const sync = () => {
      if (server.sync === undefined) throw new Error('sync is off');
      return server.sync;
    };

    const createApproved = async (i: number): Promise<{ id: string; number: string; payable: bigint }> => {
      const created = await http(server.url, 'POST', '/v1/invoices', { key: KEY, json: draft(i) });
      expect(created.status).toBe(201);
      const id = (created.body as any).id as string;
      const approved = await http(server.url, 'POST', `/v1/invoices/${id}/approve`, { key: KEY });
      expect(approved.status).toBe(200);
      const body = approved.body as any;
      return { id, number: body.number as string, payable: minorUnits(body.totals.payable_amount as string) };
    };

    const statusOf = async (id: string): Promise<any> => {
      const reply = await http(server.url, 'GET', `/v1/invoices/${id}/sync`, { key: KEY });
      expect(reply.status).toBe(200);
      return (reply.body as any).providers[0];
    };

    const syncEvents = async (id: string): Promise<ReadonlyArray<ProviderSyncEvent>> => {
      const loaded = await loadStream(
        server.runtime.store,
        providerSyncAggregate.events,
        providerSyncStream(TENANT, id, name),
      )();
      if (E.isLeft(loaded)) throw new Error(loaded.left._tag);
      return loaded.right.map((entry) => entry.event);
    };

    /** Lets the sync work, moving its clock past every retry, until `done` holds (bounded). */
    const driveUntil = async (done: () => Promise<boolean>): Promise<void> => {
      for (let round = 0; round < 60; round += 1) {
        await sync().settle();
        if (await done()) return;
        clock.advance(15_000);
      }
      throw new Error('the sync did not finish');
    };

    const allSynced = (ids: ReadonlyArray<string>) => async () => {
      for (const id of ids) {
        const status = await statusOf(id);
        if (status?.status !== 'synced') return false;
      }
      return true;
    };

    it('through 500, 429 + Retry-After, timeouts, dropped connections and an expired token: every invoice is there exactly once, with our amounts', async () => {
      for (const { fault } of FAULTS) provider.server.injectFault(fault, mutating);
      const invoices = [];
      for (let i = 0; i < 6; i += 1) invoices.push(await createApproved(i));
      await driveUntil(allSynced(invoices.map((invoice) => invoice.id)));

      expect(provider.server.pendingFaults()).toBe(0);
      const observed = provider.observed();
      for (const invoice of invoices) {
        const there = observed.filter((entry) => entry.reference === invoice.number);
        expect(there, invoice.number).toHaveLength(1);
        expect(there[0]?.payableAmount, invoice.number).toBe(invoice.payable);
        expect(there[0]?.currency).toBe('EUR');
        const status = await statusOf(invoice.id);
        expect(status).toMatchObject({ status: 'synced', external_id: there[0]?.externalId });
      }
      expect(observed).toHaveLength(invoices.length);

      // The 429's Retry-After (7 s) was honoured where it was met.
      const failures = (await Promise.all(invoices.map((invoice) => syncEvents(invoice.id))))
        .flat()
        .filter(
          (event): event is Extract<ProviderSyncEvent, { type: 'ProviderSyncFailed' }> =>
            event.type === 'ProviderSyncFailed',
        );
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures.filter((event) => event.data.error.includes('429'))) {
        const waited = Date.parse(failure.data.nextAttemptAt ?? '') - Date.parse(failure.data.failedAt);
        expect(waited).toBeGreaterThanOrEqual(7000);
      }
      expect(failures.every((failure) => failure.data.retryable)).toBe(true);
    });

    it('the operations it supports reach the provider once each, in order, through faults', async () => {
      const supports = sync().connections.all[0]?.adapter.supports ?? new Set();
      const a = await createApproved(0);
      const b = await createApproved(1);
      if (supports.has('send')) {
        provider.server.injectFault({ kind: 'timeout', afterHandling: true }, mutating);
        expect(
          (
            await http(server.url, 'POST', `/v1/invoices/${a.id}/send`, {
              key: KEY,
              json: { channel: 'email' },
            })
          ).status,
        ).toBe(200);
      }
      if (supports.has('recordPayment')) {
        provider.server.injectFault({ kind: 'serverError' }, mutating);
        const paid = await http(server.url, 'POST', `/v1/invoices/${a.id}/payments`, {
          key: KEY,
          json: {
            amount: (Number(a.payable) / 100).toFixed(2),
            paid_at: '2026-11-22T10:00:00Z',
            reference: 'bank-1',
          },
        });
        expect(paid.status).toBe(200);
      }
      if (supports.has('void')) {
        provider.server.injectFault({ kind: 'dropConnection', afterHandling: true }, mutating);
        expect(
          (
            await http(server.url, 'POST', `/v1/invoices/${b.id}/void`, {
              key: KEY,
              json: { reason: 'Issued in error' },
            })
          ).status,
        ).toBe(200);
      }
      await driveUntil(allSynced([a.id, b.id]));

      const observedA = provider.observed().filter((entry) => entry.reference === a.number);
      const observedB = provider.observed().filter((entry) => entry.reference === b.number);
      expect(observedA).toHaveLength(1);
      expect(observedB).toHaveLength(1);
      if (supports.has('recordPayment')) expect(observedA[0]?.status).toBe('paid');
      else if (supports.has('send')) expect(observedA[0]?.status).toBe('sent');
      if (supports.has('void')) expect(observedB[0]?.status).toBe('void');
      const operations = (await statusOf(a.id)).operations.map((operation: any) => operation.operation);
      expect(operations).toEqual(
        [
          'issue',
          supports.has('send') ? 'send' : undefined,
          supports.has('recordPayment') ? 'recordPayment' : undefined,
        ].filter((operation) => operation !== undefined),
      );
    });

    it('a payment at the provider is recorded once, however often it is reported', async () => {
      const invoice = await createApproved(2);
      await driveUntil(allSynced([invoice.id]));
      const { external_id: externalId } = await statusOf(invoice.id);
      const delivery = provider.pay(externalId as string);
      if (delivery === undefined) {
        // Polled: every round asks again, and the answer stays "paid".
        await sync().pollOnce();
        await sync().pollOnce();
      } else {
        const post = () =>
          http(server.url, 'POST', `/v1/webhooks/${name}`, {
            body: delivery.rawBody,
            headers: { ...delivery.headers },
          });
        const replies = await Promise.all([post(), post(), post()]);
        for (const reply of replies) expect(reply.status).toBe(200);
        expect(replies.map((reply) => (reply.body as any).status).sort()).toEqual([
          'duplicate',
          'duplicate',
          'recorded',
        ]);
        expect((await post()).body).toMatchObject({ status: 'duplicate' });
      }
      await sync().settle();
      await server.runner.catchUp();

      const events = await http(server.url, 'GET', `/v1/invoices/${invoice.id}/events`, { key: KEY });
      const types = ((events.body as any).events as Array<{ type: string }>).map((event) => event.type);
      expect(types.filter((type) => type === 'PaymentRecorded')).toHaveLength(1);
      const view = await http(server.url, 'GET', `/v1/invoices/${invoice.id}`, { key: KEY });
      expect(view.body).toMatchObject({ status: 'paid', amount_due: '0.00' });
      expect(minorUnits((view.body as any).amount_paid as string)).toBe(invoice.payable);
      // The payment came from the provider: nothing is mirrored back to it.
      expect((await statusOf(invoice.id)).operations.map((operation: any) => operation.operation)).toEqual([
        'issue',
      ]);
    });

    it('a forged or stale delivery is refused and changes nothing', async () => {
      const invoice = await createApproved(3);
      await driveUntil(allSynced([invoice.id]));
      const { external_id: externalId } = await statusOf(invoice.id);
      const delivery = provider.pay(externalId as string);
      if (delivery === undefined) return; // polled: no webhooks to forge
      const eventsBefore = await http(server.url, 'GET', `/v1/invoices/${invoice.id}/events`, { key: KEY });
      const post = (rawBody: Buffer) =>
        http(server.url, 'POST', `/v1/webhooks/${name}`, { body: rawBody, headers: { ...delivery.headers } });

      // One byte changed: the amount, say. The signature no longer matches.
      const forged = Buffer.from(delivery.rawBody);
      const at = forged.indexOf('"id"');
      forged[at + 1] = 'I'.charCodeAt(0);
      const refused = await post(forged);
      expect(refused.status).toBe(401);
      expect((refused.body as any).error.code).toBe('webhook_signature_invalid');

      // The genuine delivery, replayed a day later: outside every provider's tolerance.
      clock.advance(25 * 3_600_000);
      const stale = await post(delivery.rawBody);
      expect(stale.status).toBe(401);
      expect((stale.body as any).error.code).toBe('webhook_stale');

      await server.runner.catchUp();
      expect(await http(server.url, 'GET', `/v1/invoices/${invoice.id}/events`, { key: KEY })).toEqual(
        eventsBefore,
      );
      expect((await http(server.url, 'GET', `/v1/invoices/${invoice.id}`, { key: KEY })).body).toMatchObject({
        amount_paid: '0.00',
      });
    });

    it('secrets never reach the log', () => {
      const text = JSON.stringify(log.lines);
      for (const value of Object.values(provider.settings))
        if (typeof value === 'string' && /secret|key|whsec|sk_|ak_/i.test(value) && value.length > 8)
          expect(text).not.toContain(value);
    });
  });
};
