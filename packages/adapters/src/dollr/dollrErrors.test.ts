import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';

import { idempotencyKey } from '../providers/port.js';
import type { ProviderInvoice } from '../providers/port.js';
import { sampleProviderInvoice } from '../providers/testing/fixtures.js';
import type { LoopbackResponse } from '../providers/testing/loopback.js';
import { startLoopbackServer } from '../providers/testing/loopback.js';
import { createDollrProvider } from './dollrProvider.js';
import type { DollrHarness } from './testing/dollrHarness.js';
import { dollrHarness } from './testing/dollrHarness.js';

let harness: DollrHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (options: Parameters<typeof dollrHarness>[0] = {}) => {
  harness = await dollrHarness({ timeoutMs: 10_000, ...options });
  return harness;
};

const issue = (h: Pick<DollrHarness, 'provider'>, invoice: ProviderInvoice = sampleProviderInvoice()) =>
  h.provider.issue({ idempotencyKey: idempotencyKey(`issue-${invoice.invoiceId}`), input: invoice })();

/** A Dollr stand-in: tokens granted, the list empty, and `answer` for everything else. */
const scripted = (answer: () => LoopbackResponse) =>
  startLoopbackServer({
    handler: (request) => {
      if (request.path.includes('/jwt/'))
        return { status: 200, body: { access_token: 'jwt', expires_in: 60 } };
      if (request.path === '/v1/invoices/list') return { status: 200, body: [] };
      return answer();
    },
    errorBody: (status, message) => ({ detail: `${message} (${status})` }),
  });

describe('Dollr error mapping', () => {
  it('422 FastAPI validation → ProviderRejected with the first messages and their fields, code = first type', async () => {
    const h = await start();
    const server = await scripted(() => ({
      status: 422,
      body: {
        detail: [
          { loc: ['body', 'currency'], msg: 'field required', type: 'value_error.missing' },
          { loc: ['body', 'fee_bearer'], msg: "permitted: 'PAYER', 'PAYEE'", type: 'type_error.enum' },
          { loc: ['body', 'note'], msg: 'str type expected', type: 'type_error.str' },
          { loc: ['body', 'due_date'], msg: 'never shown', type: 'value_error.datetime' },
        ],
      },
    }));
    try {
      const result = await issue({ provider: createDollrProvider({ ...h.config, baseUrl: server.url }) });
      expect(result).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 422,
          code: 'value_error.missing',
          message:
            "POST /v1/invoices/create answered 422: currency: field required; fee_bearer: permitted: 'PAYER', 'PAYEE'; note: str type expected",
        },
      });
    } finally {
      await server.close();
    }
  });

  it('403 (unverified merchant) → ProviderRejected with Dollr’s detail', async () => {
    const h = await start({ server: { verified: false } });
    expect(await issue(h)).toMatchObject({
      left: {
        _tag: 'ProviderRejected',
        status: 403,
        message: 'GET /v1/invoices/list answered 403: Merchant account is not verified',
      },
    });
  });

  it('a state refusal (400 detail string) → ProviderRejected', async () => {
    const h = await start();
    const server = await scripted(() => ({
      status: 400,
      body: { detail: 'Only IDLE invoices can be published' },
    }));
    try {
      expect(
        await issue({ provider: createDollrProvider({ ...h.config, baseUrl: server.url }) }),
      ).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 400,
          message: expect.stringContaining('Only IDLE invoices can be published') as unknown,
        },
      });
    } finally {
      await server.close();
    }
  });

  it('429 → ProviderUnavailable honouring Retry-After; 5xx → ProviderUnavailable', async () => {
    const h = await start();
    h.server.injectFault(
      { kind: 'rateLimited', retryAfterSeconds: 30 },
      (r) => r.path === '/v1/invoices/create',
    );
    expect(await issue(h)).toMatchObject({
      left: { _tag: 'ProviderUnavailable', status: 429, retryAfterMs: 30_000 },
    });
    h.server.injectFault({ kind: 'serverError' }, (r) => r.path === '/v1/invoices/list');
    expect(await issue(h)).toMatchObject({ left: { _tag: 'ProviderUnavailable', status: 500 } });
    expect(E.isRight(await issue(h))).toBe(true);
    expect(h.dollr.invoices()).toHaveLength(1);
  });

  it('a body that is not FastAPI-shaped: the status described; an unreadable 2xx: unexpected_response', async () => {
    const h = await start();
    const answers: LoopbackResponse[] = [
      { status: 404, body: '<html>not here</html>' },
      { status: 200, body: { id: 'not-a-number' } },
    ];
    const server = await scripted(() => answers.shift() ?? { status: 500 });
    try {
      const provider = createDollrProvider({ ...h.config, baseUrl: server.url });
      expect(await issue({ provider })).toMatchObject({
        left: {
          _tag: 'ProviderRejected',
          status: 404,
          message: 'POST /v1/invoices/create answered 404: not found',
        },
      });
      expect(await issue({ provider })).toMatchObject({
        left: { _tag: 'ProviderRejected', status: 200, code: 'unexpected_response' },
      });
    } finally {
      await server.close();
    }
  });
});
