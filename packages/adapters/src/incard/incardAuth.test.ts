import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import { startLoopbackServer } from '../providers/testing/loopback.js';
import { IncardApiKey } from './config.js';
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

const invoiceNo = (n: number): ProviderInvoice =>
  sampleProviderInvoice({
    number: `INV-2026-${String(300 + n).padStart(6, '0')}`,
    invoiceId: `00000000-0000-4000-8000-${String(300 + n).padStart(12, '0')}`,
  });

const issue = (h: IncardHarness, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

const tokenRequests = (h: IncardHarness) => h.server.requests.filter((r) => r.path.startsWith('/auth/'));

const apiKey = (text: string): IncardApiKey => {
  const decoded = IncardApiKey.decode(text);
  if (E.isLeft(decoded)) throw new Error('bad test key');
  return decoded.right;
};

describe('Incard access tokens', () => {
  it('20 concurrent issues share one token request', async () => {
    const h = await start();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => issue(h, invoiceNo(i))));
    expect(results.every(E.isRight)).toBe(true);
    expect(tokenRequests(h)).toHaveLength(1);
    expect(h.incard.invoices()).toHaveLength(20);
  });

  it('a sandbox key goes to /auth/v1/sandbox/token, and only there', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    expect(tokenRequests(h).map((r) => r.path)).toEqual(['/auth/v1/sandbox/token']);
    expect(JSON.parse(tokenRequests(h)[0]?.rawBody.toString('utf8') ?? '')).toEqual({
      api_key: INCARD_TEST_IDS.apiKey,
    });
    const developer = h.server.requests.filter((r) => r.path.startsWith('/developer/'));
    expect(developer.length).toBeGreaterThan(0);
    for (const request of developer) {
      expect(request.rawBody.toString('utf8')).not.toContain(INCARD_TEST_IDS.apiKey);
      expect(JSON.stringify(request.headers)).not.toContain(INCARD_TEST_IDS.apiKey);
      expect(request.headers['authorization']).toMatch(/^Bearer incard-at-/);
    }
  });

  it('a live key goes to /auth/v1/token', async () => {
    const h = await start({ apiKey: 'sk_live_9c3e7a' });
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    expect(tokenRequests(h).map((r) => r.path)).toEqual(['/auth/v1/token']);
  });

  it('keeps the token while more than 60 s remain, and refreshes it before it expires', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    expect(tokenRequests(h)).toHaveLength(1);
    h.clock.advance(13 * 60_000); // 2 minutes left
    expect(E.isRight(await issue(h, invoiceNo(2)))).toBe(true);
    expect(tokenRequests(h)).toHaveLength(1);
    h.clock.advance(90_000); // 30 s left: refresh now rather than fail mid-request
    expect(E.isRight(await issue(h, invoiceNo(3)))).toBe(true);
    expect(tokenRequests(h)).toHaveLength(2);
    const tokens = new Set(
      h.server.requests
        .filter((r) => r.path.startsWith('/developer/'))
        .map((r) => r.headers['authorization']),
    );
    expect(tokens.size).toBe(2);
  });

  it('a 401 mid-flight drops the token, refreshes once and replays the request once', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    h.server.injectFault(
      { kind: 'expireTokens' },
      (r) => r.method === 'POST' && r.path.startsWith('/developer/'),
    );
    const before = h.server.requests.length;
    expect(E.isRight(await issue(h, invoiceNo(2)))).toBe(true);
    const after = h.server.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(after).toEqual([
      'GET /developer/companies/invoices',
      'POST /developer/company/invoices', // 401: the token was revoked
      'POST /auth/v1/sandbox/token',
      'POST /developer/company/invoices',
    ]);
    expect(h.incard.invoices()).toHaveLength(2);
  });

  it('replays only once: a token refused again is a permanent refusal', async () => {
    // Tokens that are already expired when issued: every request is refused.
    const h = await start();
    const server = await startLoopbackServer({
      handler: (request) =>
        request.path.startsWith('/auth/')
          ? { status: 201, body: { access_token: 'stale', expires_at: '2020-01-01T00:00:00.000Z' } }
          : { status: 401, body: { success: false, message: 'Unauthorized' } },
      errorBody: (status, message) => ({ success: false, statusCode: status, message }),
    });
    try {
      const provider = createIncardProvider({ ...h.config, baseUrl: server.url });
      const result = await provider.issue({ idempotencyKey: idempotencyKey('k'), input: invoiceNo(1) })();
      expect(result).toMatchObject({ left: { _tag: 'ProviderRejected', status: 401 } });
      expect(server.requests.map((r) => r.path)).toEqual([
        '/auth/v1/sandbox/token',
        '/developer/companies/invoices',
        '/auth/v1/sandbox/token',
        '/developer/companies/invoices',
      ]);
    } finally {
      await server.close();
    }
  });

  it('a refused api key is a permanent refusal of `authenticate` that never shows the key', async () => {
    const h = await start();
    const result = await h
      .withBadCredentials()
      .issue({ idempotencyKey: idempotencyKey('k'), input: invoiceNo(1) })();
    expect(result).toMatchObject({
      left: { _tag: 'ProviderRejected', operation: 'authenticate', status: 401 },
    });
    expect(JSON.stringify(E.isLeft(result) ? result.left : {})).not.toContain('revoked');
    expect(h.incard.invoices()).toHaveLength(0);
  });

  it('redacts the api key when an error body echoes it', async () => {
    const key = 'sk_sandbox_echoed1234';
    const server = await startLoopbackServer({
      handler: () => ({ status: 401, body: { success: false, message: `api key ${key} is revoked` } }),
      errorBody: (status, message) => ({ success: false, statusCode: status, message }),
    });
    try {
      const h = await start();
      const provider = createIncardProvider({ ...h.config, apiKey: apiKey(key), baseUrl: server.url });
      const result = await provider.issue({ idempotencyKey: idempotencyKey('k'), input: invoiceNo(1) })();
      expect(result).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          message: expect.stringContaining('api key <redacted> is revoked') as unknown,
        },
      });
      expect(JSON.stringify(E.isLeft(result) ? result.left : {})).not.toContain(key);
    } finally {
      await server.close();
    }
  });

  it('a token endpoint failure is retryable', async () => {
    const h = await start();
    h.server.injectFault({ kind: 'serverError' }, (r) => r.path.startsWith('/auth/'));
    const result = await issue(h, invoiceNo(1));
    expect(result).toMatchObject({
      left: { _tag: 'ProviderUnavailable', operation: 'authenticate', status: 500 },
    });
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
  });
});
