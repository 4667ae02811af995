import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';

import { parseExactJson, stringifyExactJson } from '../providers/exactJson.js';
import type { HttpRequest, HttpResponse } from '../providers/http.js';
import { classifyFailure, clip, isSuccess, sendRequest } from '../providers/http.js';
import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  ProviderError,
  ProviderInvoice,
  ProviderOperation,
} from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import type { InvoroInvoice } from './codecs.js';
import { InvoroErrorBody, InvoroInvoiceEnvelope, InvoroInvoicePage } from './codecs.js';
import type { InvoroProviderConfig } from './config.js';
import { INVORO_LIVE_URL } from './config.js';
import type { InvoroCreateBody } from './mapping.js';
import { toInvoroCreateBody } from './mapping.js';

/**
 * The Invoro adapter (ADR 15): `issue` creates a draft carrying our number and our totals (Invoro's issued
 * state: it assigns nothing and computes nothing), `send` hands it to Peppol, `void` deletes it while it is still
 * a draft. Invoro has no idempotency key, so `issue` looks our number up before creating; `send` and `void`
 * read the invoice's state first, so repeating them changes nothing.
 */

type Operation = ProviderOperation;

interface Exchange {
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  /** The body read with exact numbers; `undefined` when empty or not JSON. */
  readonly json: unknown;
}

/** States in which Invoro has accepted the invoice for delivery: sending it again is not needed. */
const SENT_STATES = new Set(['sending', 'sent', 'delivered']);
/** States from which `POST /invoices/{id}/send` may be asked (a failed delivery may be retried). */
const SENDABLE_STATES = new Set(['draft', 'approved', 'failed']);

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'validation_failed',
};

/** Our invoice number as Invoro holds it. */
export const invoroInvoiceNumber = (invoice: InvoroInvoice): string | undefined =>
  invoice.ubl_json?.header?.invoice_number ?? invoice.invoice_number ?? undefined;

export const createInvoroProvider = (config: InvoroProviderConfig): InvoiceProvider => {
  const baseUrl = (config.baseUrl ?? INVORO_LIVE_URL).replace(/\/+$/, '');
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const pageSize = config.pageSize ?? 100;
  const http = sendRequest({ now });
  // The API reference says `Authorization: Bearer`, the guides `X-Api-Key`: both carry the same key, so
  // whichever Invoro reads, the request authenticates (ADR 15).
  const authHeaders = { authorization: `Bearer ${config.apiKey}`, 'x-api-key': config.apiKey };

  const exchange = (
    operation: Operation,
    method: HttpRequest['method'],
    path: string,
    body?: unknown,
  ): TE.TaskEither<ProviderError, Exchange> => {
    const request: HttpRequest = {
      provider: 'invoro',
      operation,
      method,
      url: `${baseUrl}${path}`,
      headers: authHeaders,
      timeoutMs,
      ...(body === undefined ? {} : { rawJson: stringifyExactJson(body) }),
    };
    return pipe(
      http(request),
      TE.map((response): Exchange => {
        const parsed = response.text === undefined ? E.left('') : parseExactJson(response.text);
        return { request, response, json: E.isRight(parsed) ? parsed.right : undefined };
      }),
    );
  };

  const failure = (x: Exchange): ProviderError => {
    const decoded = InvoroErrorBody.decode(x.json);
    const body = E.isRight(decoded) ? decoded.right : {};
    const fieldErrors = Object.entries(body.errors ?? {})
      .slice(0, 3)
      .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : messages}`);
    const message = [body.message ?? `HTTP ${x.response.status}`, ...fieldErrors].join('; ');
    const code = ERROR_CODES[x.response.status];
    return classifyFailure(
      x.request,
      x.response,
      { message: clip(message), ...(code === undefined ? {} : { code }) },
      now(),
    );
  };

  const ok = (x: Exchange): E.Either<ProviderError, Exchange> =>
    isSuccess(x.response) ? E.right(x) : E.left(failure(x));

  const decode =
    <A>(codec: t.Decoder<unknown, A>) =>
    (x: Exchange): E.Either<ProviderError, A> =>
      pipe(
        codec.decode(x.json),
        E.mapLeft(() =>
          providerRejected({
            provider: 'invoro',
            operation: x.request.operation,
            status: x.response.status,
            code: 'unexpected_response',
            message: `${x.request.method} ${new URL(x.request.url).pathname} answered ${x.response.status} with a body we cannot read`,
          }),
        ),
      );

  const getInvoice = (operation: Operation, id: string): TE.TaskEither<ProviderError, Exchange> =>
    exchange(operation, 'GET', `/invoices/${encodeURIComponent(id)}`);

  /**
   * Pages through `GET /invoices` for our number. The number filter is our assumption: should Invoro ignore it,
   * the pages hold every invoice and the match below still finds ours, only later.
   */
  const findByNumber = (number: string): TE.TaskEither<ProviderError, InvoroInvoice | undefined> => {
    const page = (index: number): TE.TaskEither<ProviderError, InvoroInvoice | undefined> =>
      pipe(
        exchange(
          'issue',
          'GET',
          `/invoices?invoice_number=${encodeURIComponent(number)}&per_page=${pageSize}&page=${index}`,
        ),
        TE.flatMapEither(ok),
        TE.flatMapEither(decode(InvoroInvoicePage)),
        TE.flatMap((result) => {
          const found = result.data.find(
            (invoice) =>
              invoroInvoiceNumber(invoice) === number &&
              (invoice.deleted_at ?? null) === null &&
              invoice.direction !== 'incoming',
          );
          if (found !== undefined) return TE.right(found);
          const lastPage = result.meta?.last_page ?? result.last_page;
          const more = result.data.length > 0 && lastPage !== undefined && BigInt(index) < lastPage;
          return more ? page(index + 1) : TE.right(undefined);
        }),
      );
    return page(1);
  };

  /** A number already at Invoro with another total or currency is someone else's invoice: never adopt it. */
  const adopt = (found: InvoroInvoice, body: InvoroCreateBody, invoice: ProviderInvoice) =>
    found.currency.toUpperCase() === invoice.currency &&
    (found.amount === body.totals.payable_amount || found.amount === body.totals.tax_inclusive_amount)
      ? E.right(found)
      : E.left(
          providerRejected({
            provider: 'invoro',
            operation: 'issue',
            code: 'conflict',
            message: `Invoro already holds invoice ${invoice.number} (${found.id}) with another total or currency; not creating a second one`,
          }),
        );

  const create = (body: InvoroCreateBody): TE.TaskEither<ProviderError, InvoroInvoice> =>
    pipe(
      exchange('issue', 'POST', '/invoices', body),
      TE.flatMapEither(ok),
      TE.flatMapEither(decode(InvoroInvoiceEnvelope)),
      TE.map((envelope) => envelope.data),
    );

  const readInvoice = (operation: Operation, ref: ExternalInvoiceRef) =>
    pipe(
      getInvoice(operation, ref.externalId),
      TE.flatMapEither(ok),
      TE.flatMapEither(decode(InvoroInvoiceEnvelope)),
      TE.map((envelope) => envelope.data),
    );

  const isDeleted = (invoice: InvoroInvoice) =>
    (invoice.deleted_at ?? null) !== null || invoice.state === 'cancelled';

  return {
    name: 'invoro',
    supports: new Set(['send', 'void'] as const),

    issue: ({ input }) =>
      pipe(
        TE.fromEither(toInvoroCreateBody(input, config)),
        TE.flatMap((body) =>
          pipe(
            findByNumber(input.number),
            TE.flatMap((found) =>
              found === undefined ? create(body) : TE.fromEither(adopt(found, body, input)),
            ),
          ),
        ),
        TE.map((invoice): ExternalInvoiceRef => ({ externalId: invoice.id })),
      ),

    send: ({ input: { ref } }) =>
      pipe(
        readInvoice('send', ref),
        TE.flatMap((invoice): TE.TaskEither<ProviderError, void> => {
          if (SENT_STATES.has(invoice.state)) return TE.right(undefined);
          if (isDeleted(invoice) || !SENDABLE_STATES.has(invoice.state)) {
            return TE.left(
              providerRejected({
                provider: 'invoro',
                operation: 'send',
                code: 'invalid_state',
                message: `Invoro invoice ${invoice.id} is ${isDeleted(invoice) ? 'deleted' : invoice.state} and cannot be sent`,
              }),
            );
          }
          return pipe(
            exchange('send', 'POST', `/invoices/${encodeURIComponent(invoice.id)}/send`),
            TE.flatMapEither(ok),
            TE.map(() => undefined),
          );
        }),
      ),

    void: ({ input: { ref } }) =>
      pipe(
        getInvoice('void', ref.externalId),
        TE.flatMap((x): TE.TaskEither<ProviderError, void> => {
          // Soft-deleted invoices answer 404: a DELETE whose answer was lost has done its work.
          if (x.response.status === 404) return TE.right(undefined);
          return pipe(
            TE.fromEither(pipe(ok(x), E.flatMap(decode(InvoroInvoiceEnvelope)))),
            TE.flatMap(({ data: invoice }): TE.TaskEither<ProviderError, void> => {
              if (isDeleted(invoice)) return TE.right(undefined);
              if (invoice.state !== 'draft') {
                return TE.left(
                  providerRejected({
                    provider: 'invoro',
                    operation: 'void',
                    code: 'void_after_send',
                    message: `Invoro invoice ${invoice.id} is ${invoice.state}: Invoro deletes only drafts, and a sent e-invoice is withdrawn with a credit note`,
                  }),
                );
              }
              return pipe(
                exchange('void', 'DELETE', `/invoices/${encodeURIComponent(invoice.id)}`),
                TE.flatMapEither((deleted) =>
                  deleted.response.status === 404 ? E.right(deleted) : ok(deleted),
                ),
                TE.map(() => undefined),
              );
            }),
          );
        }),
      ),
  };
};
