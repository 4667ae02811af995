import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { ProviderError } from './port.js';

/** A bearer token and when the provider says it stops working. */
export interface AccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface TokenCache {
  /** A token valid for at least `refreshBeforeMs` more; refreshes first when needed. */
  readonly get: () => TE.TaskEither<ProviderError, string>;
  /**
   * The provider refused `token` (401 mid-flight: revoked, or expired earlier than announced). Drops it if it
   * is still the cached one, so the next `get` fetches a new one; a newer token is kept.
   */
  readonly invalidate: (token: string) => void;
}

/**
 * Short-lived tokens (Incard ~15 min, Dollr `expires_in` minutes) for all requests of one connection:
 * refreshed before expiry, and **one refresh at a time** — concurrent callers share the in-flight refresh
 * instead of each exchanging the secret (which providers rate-limit and some cap per company).
 */
export const createTokenCache = (deps: {
  readonly fetchToken: TE.TaskEither<ProviderError, AccessToken>;
  readonly now: () => Date;
  /** Refresh when less than this remains (Dollr asks for 5 minutes). */
  readonly refreshBeforeMs: number;
}): TokenCache => {
  let current: AccessToken | undefined;
  let inFlight: Promise<E.Either<ProviderError, AccessToken>> | undefined;

  const fresh = (token: AccessToken | undefined): token is AccessToken =>
    token !== undefined && token.expiresAt.getTime() - deps.now().getTime() > deps.refreshBeforeMs;

  const refresh = (): Promise<E.Either<ProviderError, AccessToken>> => {
    inFlight ??= deps.fetchToken().then(
      (result) => {
        inFlight = undefined;
        if (E.isRight(result)) current = result.right;
        return result;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };

  return {
    get: () => async () => {
      if (fresh(current)) return E.right(current.token);
      const result = await refresh();
      return E.map((token: AccessToken) => token.token)(result);
    },
    invalidate: (token) => {
      if (current?.token === token) current = undefined;
    },
  };
};
