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
  ProviderOperation,
} from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import type { CorebillInvoice } from './codecs.js';
import { CorebillErrorBody, CorebillInvoice as CorebillInvoiceCodec, CorebillInvoiceList } from './codecs.js';
import type { CorebillProviderConfig } from './config.js';
import { COREBILL_LIVE_URL } from './config.js';
import type { CorebillCreatePlan } from './mapping.js';
import {
  corebillAmount,
  corebillPaymentReference,
  corebillReferenceLine,
  fromCorebillAmount,
  planCorebillInvoice,
} from './mapping.js';

/**
 * The Corebill adapter (ADR 16): `issue` creates a draft whose Corebill-computed total is our payable amount
 * (Corebill's issued state), `send` emails it, `recordPayment` records a payment (`POST …/payments`, path
 * assumed), `void` cancels it (`PATCH {status: "cancelled"}`). Every call carries `?company_id=`. Corebill has no
 * idempotency key: `issue` looks for our number in the notes before creating; the other operations read the
 * invoice first, and payments carry our payment id as their reference, so repeating any of them changes nothing.
 */

type Operation = ProviderOperation;

interface Exchange {
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  readonly json: unknown;
}

/** Statuses in which the invoice has been sent (or is past that): `send` has nothing to do. */
const SENT_STATUSES = new Set(['sent', 'viewed', 'in_review', 'partial', 'paid', 'overdue']);
const CLOSED_STATUSES = new Set(['cancelled', 'refunded']);

const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'validation_failed',
};

/** Our number as the invoice's notes carry it (`Invoice reference: …` on a line of its own). */
export const corebillInvoiceReference = (invoice: Pick<CorebillInvoice, 'notes'>): string | undefined => {
  const prefix = corebillReferenceLine('');
  const line = (invoice.notes ?? '').split(/\r?\n/).find((text) => text.startsWith(prefix));
  return line?.slice(prefix.length).trimEnd();
};

export const createCorebillProvider = (config: CorebillProviderConfig): InvoiceProvider => {
  const baseUrl = (config.baseUrl ?? COREBILL_LIVE_URL).replace(/\/+$/, '');
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const pageSize = Math.min(100, Math.max(1, config.pageSize ?? 100));
  const http = sendRequest({ now });
  const headers = { authorization: `Bearer ${config.apiKey}` };

  const url = (path: string, query: Readonly<Record<string, string>> = {}) => {
    const params = new URLSearchParams({ company_id: config.companyId, ...query });
    return `${baseUrl}${path}?${params.toString()}`;
  };

  const exchange = (
    operation: Operation,
    method: HttpRequest['method'],
    path: string,
    options: { readonly query?: Readonly<Record<string, string>>; readonly body?: unknown } = {},
  ): TE.TaskEither<ProviderError, Exchange> => {
    const request: HttpRequest = {
      provider: 'corebill',
      operation,
      method,
      url: url(path, options.query),
      headers,
      timeoutMs,
      ...(options.body === undefined ? {} : { rawJson: stringifyExactJson(options.body) }),
    };
    return pipe(
      http(request),
      TE.map((response): Exchange => {
        const parsed = response.text === undefined ? E.left('') : parseExactJson(response.text);
        return { request, response, json: E.isRight(parsed) ? parsed.right : undefined };
      }),
    );
  };

  const ok = (x: Exchange): E.Either<ProviderError, Exchange> => {
    if (isSuccess(x.response)) return E.right(x);
    // Corebill asks not to branch on the message text: the status decides, the text is only reported.
    const decoded = CorebillErrorBody.decode(x.json);
    const message = E.isRight(decoded) ? decoded.right.error : `HTTP ${x.response.status}`;
    const code = ERROR_CODES[x.response.status];
    return E.left(
      classifyFailure(
        x.request,
        x.response,
        { message: clip(message), ...(code === undefined ? {} : { code }) },
        now(),
      ),
    );
  };

  const decode =
    <A>(codec: t.Decoder<unknown, A>) =>
    (x: Exchange): E.Either<ProviderError, A> =>
      pipe(
        codec.decode(x.json),
        E.mapLeft(() =>
          providerRejected({
            provider: 'corebill',
            operation: x.request.operation,
            status: x.response.status,
            code: 'unexpected_response',
            message: `${x.request.method} ${new URL(x.request.url).pathname} answered ${x.response.status} with a body we cannot read`,
          }),
        ),
      );

  const invoiceCall = (
    operation: Operation,
    method: HttpRequest['method'],
    path: string,
    body?: unknown,
  ): TE.TaskEither<ProviderError, CorebillInvoice> =>
    pipe(
      exchange(operation, method, path, body === undefined ? {} : { body }),
      TE.flatMapEither(ok),
      TE.flatMapEither(decode(CorebillInvoiceCodec)),
    );

  const invoicePath = (ref: ExternalInvoiceRef) => `/invoices/${encodeURIComponent(ref.externalId)}`;

  /** Cursor pages of `GET /invoices`, newest first, until an invoice whose notes carry our number. */
  const findByNumber = (number: string): TE.TaskEither<ProviderError, CorebillInvoice | undefined> => {
    const page = (cursor: string | undefined): TE.TaskEither<ProviderError, CorebillInvoice | undefined> =>
      pipe(
        exchange('issue', 'GET', '/invoices', {
          query: { limit: String(pageSize), ...(cursor === undefined ? {} : { starting_after: cursor }) },
        }),
        TE.flatMapEither(ok),
        TE.flatMapEither(decode(CorebillInvoiceList)),
        TE.flatMap((list) => {
          const found = list.data.find((invoice) => corebillInvoiceReference(invoice) === number);
          if (found !== undefined) return TE.right(found);
          const next = list.next_cursor ?? list.data.at(-1)?.id;
          return list.has_more && next !== undefined && next !== cursor ? page(next) : TE.right(undefined);
        }),
      );
    return page(undefined);
  };

  /** An invoice with our number but another total or currency is not ours: never adopt it. */
  const adopt = (found: CorebillInvoice, plan: CorebillCreatePlan, number: string) =>
    (found.currency ?? '').toUpperCase() === plan.body.currency &&
    fromCorebillAmount(found.total, plan.currency) === plan.total
      ? E.right(found)
      : E.left(
          providerRejected({
            provider: 'corebill',
            operation: 'issue',
            code: 'conflict',
            message: `Corebill already holds an invoice for ${number} (${found.id}) with another total or currency; not creating a second one`,
          }),
        );

  const invalidState = (operation: Operation, invoice: CorebillInvoice, what: string) =>
    providerRejected({
      provider: 'corebill',
      operation,
      code: 'invalid_state',
      message: `Corebill invoice ${invoice.id} is ${invoice.status}: ${what}`,
    });

  return {
    name: 'corebill',
    supports: new Set(['send', 'recordPayment', 'void'] as const),

    issue: ({ input }) =>
      pipe(
        TE.fromEither(planCorebillInvoice(input, config)),
        TE.flatMap((plan) =>
          pipe(
            findByNumber(input.number),
            TE.flatMap((found) =>
              found === undefined
                ? invoiceCall('issue', 'POST', '/invoices', plan.body)
                : TE.fromEither(adopt(found, plan, input.number)),
            ),
          ),
        ),
        TE.map((invoice): ExternalInvoiceRef => ({ externalId: invoice.id })),
      ),

    send: ({ input: { ref } }) =>
      pipe(
        invoiceCall('send', 'GET', invoicePath(ref)),
        TE.flatMap((invoice): TE.TaskEither<ProviderError, void> => {
          if (SENT_STATUSES.has(invoice.status)) return TE.right(undefined);
          if (invoice.status !== 'draft') return TE.left(invalidState('send', invoice, 'it cannot be sent'));
          return pipe(
            invoiceCall('send', 'POST', `${invoicePath(ref)}/send`),
            TE.map(() => undefined),
          );
        }),
      ),

    recordPayment: ({ input: { ref, invoice: ours, payment } }) => {
      const ourReference = corebillPaymentReference(payment.paymentId);
      // Our payment id first (the retry check and the webhook verifier read it), then the human reference.
      const reference =
        payment.reference === undefined ? ourReference : `${ourReference} ${clip(payment.reference, 200)}`;
      const amount = corebillAmount(payment.amount, payment.currency);
      const date = /^\d{4}-\d{2}-\d{2}/.exec(payment.paidAt)?.[0];
      if (payment.currency !== ours.currency || amount === undefined || date === undefined) {
        return TE.left(
          providerRejected({
            provider: 'corebill',
            operation: 'recordPayment',
            code: amount === undefined ? 'currency_precision' : 'invalid_payment',
            message: `payment ${payment.paymentId} cannot be recorded at Corebill as sent (currency, amount or date)`,
          }),
        );
      }
      return pipe(
        invoiceCall('recordPayment', 'GET', invoicePath(ref)),
        TE.flatMap((invoice): TE.TaskEither<ProviderError, void> => {
          const recorded = invoice.payments ?? undefined;
          // Our reference on a recorded payment means an earlier attempt got through.
          if (recorded?.some((entry) => entry.reference?.split(' ')[0] === ourReference) === true) {
            return TE.right(undefined);
          }
          // Without a payments list we cannot tell; a fully paid invoice takes no more payments anyway.
          const due = invoice.amount_due ?? undefined;
          if (recorded === undefined && due !== undefined && fromCorebillAmount(due, ours.currency) === 0n) {
            return TE.right(undefined);
          }
          if (CLOSED_STATUSES.has(invoice.status)) {
            return TE.left(invalidState('recordPayment', invoice, 'it takes no payments'));
          }
          return pipe(
            invoiceCall('recordPayment', 'POST', `${invoicePath(ref)}/payments`, {
              amount,
              payment_date: date,
              payment_method: config.paymentMethod ?? 'other',
              reference,
            }),
            TE.map(() => undefined),
          );
        }),
      );
    },

    void: ({ input: { ref } }) =>
      pipe(
        invoiceCall('void', 'GET', invoicePath(ref)),
        TE.flatMap((invoice): TE.TaskEither<ProviderError, void> =>
          invoice.status === 'cancelled'
            ? TE.right(undefined)
            : pipe(
                invoiceCall('void', 'PATCH', invoicePath(ref), { status: 'cancelled' }),
                TE.map(() => undefined),
              ),
        ),
      ),
  };
};
