import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { classifyFailure, parseRetryAfter, sendRequest } from './http.js';
import type { LoopbackServer } from './testing/loopback.js';
import { startLoopbackServer } from './testing/loopback.js';

const now = new Date('2026-11-21T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores nonsense', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('sendRequest and classifyFailure over loopback', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startLoopbackServer({
      handler: (request) =>
        request.path === '/limited'
          ? { status: 429, headers: { 'x-ratelimit-reset': '3' }, body: { message: 'slow down' } }
          : request.path === '/bad'
            ? { status: 422, body: { message: 'currency is invalid' } }
            : { status: 200, body: { ok: true, echo: request.headers['x-test'] ?? null } },
      errorBody: (status, message) => ({ status, message }),
    });
  });
  afterAll(() => server.close());

  const send = sendRequest({ now: () => now });
  const request = (path: string) =>
    ({
      provider: 'invoro',
      operation: 'issue',
      method: 'POST',
      url: `${server.url}${path}`,
      json: { a: 1 },
      headers: { 'x-test': 'yes' },
      timeoutMs: 300,
    }) as const;

  it('answers Right with the parsed body for any HTTP answer', async () => {
    const result = await send(request('/ok'))();
    expect(result).toEqual(
      E.right(expect.objectContaining({ status: 200, body: { ok: true, echo: 'yes' } })),
    );
  });

  it('a 429 is retryable with the reset header as delay; a 422 is a permanent refusal', async () => {
    const limited = await send(request('/limited'))();
    const bad = await send(request('/bad'))();
    if (E.isLeft(limited) || E.isLeft(bad)) throw new Error('expected answers');
    expect(classifyFailure(request('/limited'), limited.right, { message: 'slow down' }, now)).toMatchObject({
      _tag: 'ProviderUnavailable',
      status: 429,
      retryAfterMs: 3000,
    });
    expect(
      classifyFailure(request('/bad'), bad.right, { message: 'currency is invalid', code: 'invalid' }, now),
    ).toMatchObject({ _tag: 'ProviderRejected', status: 422, code: 'invalid' });
  });

  it('no answer (timeout, dropped connection) is ProviderUnavailable', async () => {
    server.injectFault({ kind: 'timeout', afterHandling: false });
    const timedOut = await send(request('/ok'))();
    expect(E.isLeft(timedOut) && timedOut.left._tag).toBe('ProviderUnavailable');
    expect(E.isLeft(timedOut) && timedOut.left.message).toContain('timed out');
    server.injectFault({ kind: 'dropConnection', afterHandling: true });
    const dropped = await send(request('/ok'))();
    expect(E.isLeft(dropped) && dropped.left._tag).toBe('ProviderUnavailable');
  });
});
