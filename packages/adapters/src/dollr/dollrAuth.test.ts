import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import { startLoopbackServer } from '../providers/testing/loopback.js';
import { DollrClientSecret } from './config.js';
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

const invoiceNo = (n: number): ProviderInvoice =>
  sampleProviderInvoice({
    number: `INV-2026-${String(400 + n).padStart(6, '0')}`,
    invoiceId: `00000000-0000-4000-8000-${String(400 + n).padStart(12, '0')}`,
  });

const issue = (h: Pick<DollrHarness, 'provider'>, invoice: ProviderInvoice) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

const tokenRequests = (h: DollrHarness) =>
  h.server.requests.filter((r) => r.path === '/v1/jwt/client/obtain/token');

describe('Dollr JWTs', () => {
  it('20 concurrent issues share one token request', async () => {
    const h = await start();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => issue(h, invoiceNo(i))));
    expect(results.every(E.isRight)).toBe(true);
    expect(tokenRequests(h)).toHaveLength(1);
    expect(h.dollr.invoices().filter((i) => i.status === 'ACTIVE')).toHaveLength(20);
  });

  it('sends the client credentials to the token endpoint only', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    expect(JSON.parse(tokenRequests(h)[0]?.rawBody.toString('utf8') ?? '')).toEqual({
      client_id: DOLLR_TEST_CREDENTIALS.clientId,
      client_secret: DOLLR_TEST_CREDENTIALS.clientSecret,
    });
    const api = h.server.requests.filter((r) => !r.path.includes('/jwt/'));
    expect(api.length).toBeGreaterThan(0);
    for (const request of api) {
      expect(request.rawBody.toString('utf8') + JSON.stringify(request.headers)).not.toContain(
        DOLLR_TEST_CREDENTIALS.clientSecret,
      );
      expect(request.headers['authorization']).toBe('Bearer dollr-jwt-1');
    }
  });

  it('reads expires_in as minutes and refreshes when less than 5 minutes remain', async () => {
    const h = await start({ server: { tokenMinutes: 60 } });
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    h.clock.advance(54 * 60_000); // 6 minutes left: keep it (seconds would have expired it long ago)
    expect(E.isRight(await issue(h, invoiceNo(2)))).toBe(true);
    expect(tokenRequests(h)).toHaveLength(1);
    h.clock.advance(2 * 60_000); // 4 minutes left: refresh first
    expect(E.isRight(await issue(h, invoiceNo(3)))).toBe(true);
    expect(tokenRequests(h)).toHaveLength(2);
  });

  it('a 401 mid-flight refreshes once and replays the request once', async () => {
    const h = await start();
    expect(E.isRight(await issue(h, invoiceNo(1)))).toBe(true);
    h.server.injectFault({ kind: 'expireTokens' }, (r) => r.method === 'PUT');
    const before = h.server.requests.length;
    expect(E.isRight(await issue(h, invoiceNo(2)))).toBe(true);
    const tail = h.server.requests
      .slice(before)
      .map((r) => `${r.method} ${r.path}`)
      .slice(-3);
    expect(tail).toEqual([
      'PUT /v1/invoices/publish/2',
      'POST /v1/jwt/client/obtain/token',
      'PUT /v1/invoices/publish/2',
    ]);
    expect(h.dollr.invoices()[1]?.status).toBe('ACTIVE');
  });

  it('replays only once: a fresh token refused again is a permanent refusal', async () => {
    const h = await start();
    const server = await startLoopbackServer({
      handler: (request) =>
        request.path.includes('/jwt/')
          ? { status: 200, body: { access_token: 'jwt', expires_in: 60 } }
          : { status: 401, body: { detail: 'Could not validate credentials' } },
      errorBody: (status, message) => ({ detail: `${message} (${status})` }),
    });
    try {
      const provider = createDollrProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider }, invoiceNo(1))).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 401,
          message: expect.stringContaining('Could not validate credentials') as unknown,
        },
      });
      expect(server.requests.map((r) => r.path)).toEqual([
        '/v1/jwt/client/obtain/token',
        '/v1/invoices/list',
        '/v1/jwt/client/obtain/token',
        '/v1/invoices/list',
      ]);
    } finally {
      await server.close();
    }
  });

  it('wrong client credentials: a permanent refusal of `authenticate`, without the secret', async () => {
    const h = await start();
    const result = await issue({ provider: h.withBadCredentials() }, invoiceNo(1));
    expect(result).toMatchObject({
      left: { _tag: 'ProviderRejected', operation: 'authenticate', status: 401 },
    });
    expect(JSON.stringify(E.isLeft(result) ? result.left : {})).not.toContain('secret_wrong');
  });

  it('redacts the client secret when an error body echoes it', async () => {
    const h = await start();
    const secret = DollrClientSecret.decode('secret_echo_42');
    if (E.isLeft(secret)) throw new Error('secret');
    const server = await startLoopbackServer({
      handler: () => ({ status: 401, body: { detail: 'bad client_secret secret_echo_42' } }),
      errorBody: (status, message) => ({ detail: `${message} (${status})` }),
    });
    try {
      const provider = createDollrProvider({ ...h.config, clientSecret: secret.right, baseUrl: server.url });
      const result = await issue({ provider }, invoiceNo(1));
      expect(result).toMatchObject({
        left: { message: expect.stringContaining('bad client_secret <redacted>') as unknown },
      });
      expect(JSON.stringify(E.isLeft(result) ? result.left : {})).not.toContain('secret_echo_42');
    } finally {
      await server.close();
    }
  });

  it('a config error never shows the secret', () => {
    const decoded = DollrClientSecret.decode('');
    expect(JSON.stringify(decoded)).toContain('<redacted>');
  });
});
