import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { ProviderError, ProviderName, ProviderRejected, ProviderUnavailable } from './port.js';
import { providerRejected, providerUnavailable } from './port.js';

/**
 * The one HTTP client the hand-written provider adapters share (Stripe goes through its official SDK).
 * Node's global `fetch` with a per-request timeout, and one classification of failures:
 *
 * - no answer (refused, reset, dropped, timed out) → `ProviderUnavailable`: the provider may or may not have
 *   acted, so callers retry with the same idempotency key or look up before creating again;
 * - 429 and 5xx → `ProviderUnavailable`, with `retryAfterMs` from `Retry-After` (seconds or HTTP date) or a
 *   rate-limit reset header;
 * - 408 and 409-with-retry semantics are left to the adapter; every other 4xx → `ProviderRejected`, with the
 *   message the adapter extracts from the provider's own error shape.
 *
 * Request and response bodies are never put in errors whole (they may echo secrets); adapters pass a short
 * message.
 */

export type Operation = ProviderError['operation'];

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON, or `undefined` when empty. */
  readonly body: unknown;
  /**
   * The body exactly as received, for adapters that must read decimal amounts without going through a JS
   * `number` (set by `sendRequest`).
   */
  readonly text?: string;
}

export interface HttpRequest {
  readonly provider: ProviderName;
  readonly operation: Operation;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /**
   * JSON text sent as it is (instead of `json`): for providers that take decimal amounts as JSON numbers,
   * which `JSON.stringify` could only write from a float.
   */
  readonly rawJson?: string;
  readonly timeoutMs: number;
}

export interface ProviderHttpOptions {
  /** Defaults to the global `fetch`; tests never replace it (they use real loopback servers). */
  readonly fetch?: typeof fetch;
  /** Wall clock for HTTP-date `Retry-After` values. */
  readonly now?: () => Date;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; absent or unparsable gives `undefined`. */
export const parseRetryAfter = (value: string | null, now: Date): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
};

const readBody = async (response: Response): Promise<{ body: unknown; text: string }> => {
  const text = await response.text();
  if (text === '') return { body: undefined, text };
  try {
    return { body: JSON.parse(text) as unknown, text };
  } catch {
    return { body: text, text };
  }
};

const describeFailure = (error: unknown): string => {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'request timed out';
    const cause = (error as { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `connection failed (${code})` : `connection failed (${error.message})`;
  }
  return 'connection failed';
};

/**
 * Sends one request. Resolves `Right` for every answer (2xx or not: adapters decide what a 404 or 409 means),
 * `Left(ProviderUnavailable)` when no answer arrived in time.
 */
export const sendRequest =
  (options: ProviderHttpOptions = {}) =>
  (request: HttpRequest): TE.TaskEither<ProviderUnavailable, HttpResponse> =>
  async () => {
    const doFetch = options.fetch ?? fetch;
    const payload =
      request.rawJson ?? (request.json === undefined ? undefined : JSON.stringify(request.json));
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...request.headers,
        },
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const { body, text } = await readBody(response);
      return { _tag: 'Right', right: { status: response.status, headers: response.headers, body, text } };
    } catch (error) {
      return {
        _tag: 'Left',
        left: providerUnavailable({
          provider: request.provider,
          operation: request.operation,
          message: `${request.method} ${new URL(request.url).pathname}: ${describeFailure(error)}`,
          cause: error,
        }),
      };
    }
  };

/**
 * Classifies a non-2xx answer. `message` is what the adapter read from the provider's error shape (never the
 * whole body); `code` its error code where it has one.
 */
export const classifyFailure = (
  request: Pick<HttpRequest, 'provider' | 'operation' | 'method' | 'url'>,
  response: HttpResponse,
  details: { readonly message: string; readonly code?: string },
  now: Date,
): ProviderRejected | ProviderUnavailable => {
  const where = `${request.method} ${new URL(request.url).pathname}`;
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs =
      parseRetryAfter(response.headers.get('retry-after'), now) ??
      rateLimitReset(response.headers.get('x-ratelimit-reset'), now);
    return providerUnavailable({
      provider: request.provider,
      operation: request.operation,
      status: response.status,
      message: `${where} answered ${response.status}: ${details.message}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return providerRejected({
    provider: request.provider,
    operation: request.operation,
    status: response.status,
    ...(details.code === undefined ? {} : { code: details.code }),
    message: `${where} answered ${response.status}: ${details.message}`,
  });
};

/**
 * `X-RateLimit-Reset`: some providers send epoch seconds, others seconds to wait. A value larger than a day
 * is read as an epoch.
 */
const rateLimitReset = (value: string | null, now: Date): number | undefined => {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const seconds = Number(value.trim());
  return seconds > 86_400 ? Math.max(0, seconds * 1000 - now.getTime()) : seconds * 1000;
};

export const isSuccess = (response: HttpResponse): boolean => response.status >= 200 && response.status < 300;

/** Shortens a provider-controlled string before it goes into an error or an event. */
export const clip = (text: string, max = 300): string =>
  text.length > max ? `${text.slice(0, max)}…` : text;
