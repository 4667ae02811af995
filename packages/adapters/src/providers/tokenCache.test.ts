import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { providerUnavailable } from './port.js';
import { createTokenCache } from './tokenCache.js';

const at = (iso: string) => new Date(iso);

describe('createTokenCache', () => {
  const setup = (failFirst = false) => {
    let now = at('2026-11-21T10:00:00Z');
    let fetches = 0;
    let release: (() => void) | undefined;
    const cache = createTokenCache({
      now: () => now,
      refreshBeforeMs: 60_000,
      fetchToken: async () => {
        fetches += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        if (failFirst && fetches === 1) {
          return E.left(
            providerUnavailable({ provider: 'incard', operation: 'authenticate', message: 'down' }),
          );
        }
        return E.right({ token: `t${fetches}`, expiresAt: new Date(now.getTime() + 15 * 60_000) });
      },
    });
    return {
      cache,
      fetches: () => fetches,
      release: () => release?.(),
      advance: (ms: number) => {
        now = new Date(now.getTime() + ms);
      },
    };
  };

  it('shares one refresh between concurrent callers', async () => {
    const t = setup();
    const pending = Array.from({ length: 20 }, () => t.cache.get()());
    await Promise.resolve();
    t.release();
    const results = await Promise.all(pending);
    expect(t.fetches()).toBe(1);
    expect(results.every((r) => E.isRight(r) && r.right === 't1')).toBe(true);
  });

  it('reuses the token until it is about to expire, then refreshes', async () => {
    const t = setup();
    const first = t.cache.get()();
    t.release();
    expect(await first).toEqual(E.right('t1'));
    t.advance(13 * 60_000);
    expect(await t.cache.get()()).toEqual(E.right('t1'));
    t.advance(60_000 + 1); // less than a minute left
    const second = t.cache.get()();
    await Promise.resolve();
    t.release();
    expect(await second).toEqual(E.right('t2'));
    expect(t.fetches()).toBe(2);
  });

  it('invalidate drops the refused token only, and a failed refresh is retried by the next caller', async () => {
    const t = setup(true);
    const failed = t.cache.get()();
    await Promise.resolve();
    t.release();
    expect(E.isLeft(await failed)).toBe(true);
    const ok = t.cache.get()();
    await Promise.resolve();
    t.release();
    expect(await ok).toEqual(E.right('t2'));
    t.cache.invalidate('stale-token');
    expect(await t.cache.get()()).toEqual(E.right('t2'));
    t.cache.invalidate('t2');
    const third = t.cache.get()();
    await Promise.resolve();
    t.release();
    expect(await third).toEqual(E.right('t3'));
  });
});
