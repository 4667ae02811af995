import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackResponse } from '../providers/testing/loopback.js';
import { startLoopbackServer } from '../providers/testing/loopback.js';
import { IncardUuid } from './config.js';
import { createIncardProvider } from './incardProvider.js';
import type { IncardHarness } from './testing/incardHarness.js';
import { incardHarness } from './testing/incardHarness.js';

let harness: IncardHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (options: Parameters<typeof incardHarness>[0] = {}) => {
  harness = await incardHarness({ timeoutMs: 10_000, ...options });
  return harness;
};

const issue = (h: Pick<IncardHarness, 'provider'>, invoice: ProviderInvoice = sampleProviderInvoice()) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

/** An Incard stand-in whose invoice endpoints answer `answer` (tokens are granted). */
const scripted = async (answer: () => LoopbackResponse) => {
  const server = await startLoopbackServer({
    handler: (request) =>
      request.path.startsWith('/auth/')
        ? { status: 201, body: { access_token: 'at-1', expires_at: '2030-01-01T00:00:00.000Z' } }
        : answer(),
    errorBody: (status, message) => ({ success: false, statusCode: status, message }),
  });
  return server;
};

describe('Incard error mapping', () => {
  it('403 (no request_payments permission) → ProviderRejected with the documented reason', async () => {
    const h = await start({ canRequestPayments: false });
    const result = await issue(h);
    expect(result).toMatchObject({
      left: {
        _tag: 'ProviderRejected',
        provider: 'incard',
        operation: 'issue',
        status: 403,
        message: 'GET /developer/companies/invoices answered 403: insufficient permission for this user',
      },
    });
  });

  it('a 400 from create → ProviderRejected with the message Incard gave', async () => {
    const h = await start();
    const unknown = IncardUuid.decode('99999999-1111-4111-8111-000000000999');
    if (E.isLeft(unknown)) throw new Error('uuid');
    const provider = createIncardProvider({ ...h.config, defaultRecipientId: unknown.right });
    const result = await issue({ provider });
    expect(result).toMatchObject({
      left: {
        _tag: 'ProviderRejected',
        status: 400,
        message: 'POST /developer/company/invoices answered 400: recipient not found',
      },
    });
    expect(h.incard.invoices()).toHaveLength(0);
  });

  it('any other 4xx body: its message or code, clipped; a body without one: the status described', async () => {
    const h = await start();
    const answers: LoopbackResponse[] = [
      { status: 422, body: { error: { code: 'invalid_amount', message: 'amount is invalid' } } },
      { status: 409, body: { error: 'x'.repeat(500) } },
      { status: 404, body: '<html>gateway</html>' },
    ];
    const server = await scripted(() => answers.shift() ?? { status: 500 });
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 422,
          code: 'invalid_amount',
          message: expect.stringMatching(/answered 422: amount is invalid$/) as unknown,
        },
      });
      const long = await issue({ provider });
      expect(long).toMatchObject({ left: { _tag: 'ProviderRejected', status: 409 } });
      expect(E.isLeft(long) && long.left.message.length).toBeLessThan(300);
      expect(await issue({ provider })).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 404,
          message: expect.stringMatching(/answered 404: not found$/) as unknown,
        },
      });
    } finally {
      await server.close();
    }
  });

  it('429 → ProviderUnavailable with Retry-After; 503 → ProviderUnavailable', async () => {
    const h = await start();
    h.server.injectFault({ kind: 'rateLimited', retryAfterSeconds: 12 });
    const limited = await issue(h);
    expect(limited).toMatchObject({
      left: { _tag: 'ProviderUnavailable', status: 429, retryAfterMs: 12_000 },
    });
    const server = await scripted(() => ({ status: 503, body: { message: 'maintenance' } }));
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: {
          _tag: 'ProviderUnavailable',
          status: 503,
          message: expect.stringContaining('maintenance') as unknown,
        },
      });
    } finally {
      await server.close();
    }
  });

  it('an unreadable list is a permanent refusal; a create answer without a payment link is retryable', async () => {
    const h = await start();
    const server = await scripted(() => ({ status: 200, body: { success: true, data: 'nope' } }));
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: { _tag: 'ProviderRejected', status: 200, code: 'unexpected_response' },
      });
    } finally {
      await server.close();
    }
    let calls = 0;
    const creating = await scripted(() => {
      calls += 1;
      return calls === 1
        ? { status: 200, body: { success: true, data: [] } }
        : { status: 201, body: { success: true, data: { payment_link: 'not a link' } } };
    });
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: creating.url });
      expect(await issue({ provider })).toMatchObject({ left: { _tag: 'ProviderUnavailable', status: 201 } });
    } finally {
      await creating.close();
    }
  });

  it('a 201 that says success: false is a permanent refusal', async () => {
    const h = await start();
    let calls = 0;
    const server = await scripted(() => {
      calls += 1;
      return calls === 1
        ? { status: 200, body: { success: true, data: [] } }
        : { status: 201, body: { success: false, message: 'invoice_number already used' } };
    });
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          code: 'not_created',
          message: expect.stringContaining('invoice_number already used') as unknown,
        },
      });
    } finally {
      await server.close();
    }
  });

  it('our number at Incard with another amount is refused, never returned as ours', async () => {
    const h = await start();
    const server = await scripted(() => ({
      status: 200,
      body: {
        success: true,
        data: { invoices: [{ id: 'x', public_id: 'p1', invoice_number: 'INV-2026-000001', amount: 12 }] },
        meta: { total: 1, take: 100, skip: 0 },
      },
    }));
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: { _tag: 'ProviderRejected', code: 'conflicting_invoice' },
      });
    } finally {
      await server.close();
    }
  });
});

describe('Incard look-up that cannot see invoice numbers', () => {
  it('fails closed (lookup_unavailable) instead of creating a possible duplicate', async () => {
    const h = await start();
    let creates = 0;
    const server = await startLoopbackServer({
      handler: (request) => {
        if (request.path.startsWith('/auth/'))
          return { status: 201, body: { access_token: 'at-1', expires_at: '2030-01-01T00:00:00.000Z' } };
        if (request.method === 'POST') creates += 1;
        // The fields the docs show, and no number.
        return {
          status: 200,
          body: {
            success: true,
            data: [{ id: 'a', public_id: 'p', status: 'pending', cancelled_at: null, transaction_id: null }],
            meta: { total: 1, take: 100, skip: 0 },
          },
        };
      },
      errorBody: (status, message) => ({ success: false, statusCode: status, message }),
    });
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: { _tag: 'ProviderRejected', code: 'lookup_unavailable' },
      });
      expect(creates).toBe(0);
    } finally {
      await server.close();
    }
  });
});
