import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for provider tests. Each provider's test server (`<provider>/testing`) is a
 * handler that follows that provider's documented behaviour; this module adds what every one of them needs:
 * a request log, and fault injection that acts before or after the handler ran — the "after" faults are the
 * dangerous ones (the provider acted, the client never heard), which is what idempotency keys and
 * look-up-before-create exist for.
 */

export interface LoopbackRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
}

export interface LoopbackResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON; strings as they are. */
  readonly body?: unknown;
}

export type LoopbackHandler = (request: LoopbackRequest) => LoopbackResponse | Promise<LoopbackResponse>;

export type Fault =
  /** A 500 with the provider's error body, before the handler runs (nothing happened). */
  | { readonly kind: 'serverError' }
  /** A 429 with `Retry-After`, before the handler runs. */
  | { readonly kind: 'rateLimited'; readonly retryAfterSeconds: number }
  /** No answer at all, until the client gives up; `afterHandling` runs the handler first (its effect stays). */
  | { readonly kind: 'timeout'; readonly afterHandling: boolean }
  /** The connection is destroyed without an answer; `afterHandling` runs the handler first. */
  | { readonly kind: 'dropConnection'; readonly afterHandling: boolean }
  /** Every token issued so far stops working now (the server's `expireTokens` hook), then the request proceeds. */
  | { readonly kind: 'expireTokens' };

export interface LoopbackServerOptions {
  readonly handler: LoopbackHandler;
  /** The provider's own error body for a 500 or 429. */
  readonly errorBody: (status: number, message: string) => unknown;
  /** Called for the `expireTokens` fault. */
  readonly expireTokens?: () => void;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every request received, in order (faulted ones included). */
  readonly requests: ReadonlyArray<LoopbackRequest>;
  /** Queues a fault for the next request that `matches` (default: the next request of any kind). */
  readonly injectFault: (fault: Fault, matches?: (request: LoopbackRequest) => boolean) => void;
  /** Faults queued but not yet triggered. */
  readonly pendingFaults: () => number;
  readonly close: () => Promise<void>;
}

const readAll = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });

const write = (response: ServerResponse, answer: LoopbackResponse): void => {
  const isText = typeof answer.body === 'string';
  const payload = answer.body === undefined ? '' : isText ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'content-type': isText ? 'text/plain' : 'application/json' }),
    ...answer.headers,
  });
  response.end(payload);
};

export const startLoopbackServer = async (options: LoopbackServerOptions): Promise<LoopbackServer> => {
  const requests: LoopbackRequest[] = [];
  const faults: Array<{ fault: Fault; matches: (request: LoopbackRequest) => boolean }> = [];
  const sockets = new Set<Socket>();

  const takeFault = (request: LoopbackRequest): Fault | undefined => {
    const index = faults.findIndex((entry) => entry.matches(request));
    if (index < 0) return undefined;
    const [entry] = faults.splice(index, 1);
    return entry?.fault;
  };

  const server = createServer((incoming, response) => {
    void (async () => {
      const rawBody = await readAll(incoming);
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: LoopbackRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        rawBody,
      };
      requests.push(request);
      const fault = takeFault(request);
      try {
        switch (fault?.kind) {
          case 'serverError':
            write(response, {
              status: 500,
              body: options.errorBody(500, 'Internal server error (injected)'),
            });
            return;
          case 'rateLimited':
            write(response, {
              status: 429,
              headers: { 'retry-after': String(fault.retryAfterSeconds) },
              body: options.errorBody(429, 'Too many requests (injected)'),
            });
            return;
          case 'timeout':
            if (fault.afterHandling) await options.handler(request);
            // Never answer: the client's timeout fires; `close` destroys the socket.
            return;
          case 'dropConnection':
            if (fault.afterHandling) await options.handler(request);
            incoming.socket.destroy();
            return;
          case 'expireTokens':
            options.expireTokens?.();
            write(response, await options.handler(request));
            return;
          case undefined:
            write(response, await options.handler(request));
            return;
        }
      } catch (error) {
        write(response, {
          status: 500,
          body: options.errorBody(
            500,
            `test server failure: ${error instanceof Error ? error.message : String(error)}`,
          ),
        });
      }
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    requests,
    injectFault: (fault, matches = () => true) => {
      faults.push({ fault, matches });
    },
    pendingFaults: () => faults.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        }),
      );
    },
  };
};

/** A parsed JSON body, or `undefined` when the body is empty or not JSON (servers answer 400 then). */
export const jsonBody = (request: LoopbackRequest): unknown => {
  if (request.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(request.rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

/** `Authorization: Bearer <token>` → token. */
export const bearerToken = (request: LoopbackRequest): string | undefined => {
  const header = request.headers['authorization'];
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
};
