import { formatMinorUnits, parseDecimal, toMinorUnits } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as O from 'fp-ts/lib/Option.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type * as t from 'io-ts';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../providers/exactJson.js';
import type { HttpRequest, HttpResponse } from '../providers/http.js';
import { classifyFailure, clip, isSuccess, sendRequest } from '../providers/http.js';
import { toPayableItems } from '../providers/payableItems.js';
import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  ProviderError,
  ProviderInvoice,
  ProviderRejected,
} from '../providers/port.js';
import { providerRejected, providerUnavailable } from '../providers/port.js';
import type { AccessToken } from '../providers/tokenCache.js';
import { createTokenCache } from '../providers/tokenCache.js';
import type { IncardListedInvoice } from './codecs.js';
import { IncardCreated, IncardErrorBody, IncardInvoicePage, IncardRefused, IncardToken } from './codecs.js';
import type { IncardProviderConfig } from './config.js';
import { INCARD_LIVE_URL, INCARD_PAYMENT_LINK_BASE, INCARD_SANDBOX_URL, isSandboxKey } from './config.js';

type Operation = HttpRequest['operation'];

/** What one issue sends, computed before any request (refusals cost no HTTP). */
interface PreparedIssue {
  readonly invoice: ProviderInvoice;
  readonly body: string;
}

/**
 * The Incard Developer API adapter (ADR 13). Incard can only create an outbound invoice (a hosted payment
 * page): `supports` is empty, payments arrive as `transaction.*` webhooks (`verifyIncardWebhook`).
 *
 * - Auth: the api key is exchanged for ~15-minute bearer tokens (one refresh at a time, 60 s before expiry);
 *   a 401 mid-flight drops the token, fetches one new token and replays the request once. The key only ever
 *   goes to the token endpoint.
 * - Money: major-unit decimals written as JSON number tokens from our minor units (never a JS `number`), every
 *   line VAT-inclusive, so `amount` is our payable amount and the lines sum to it exactly. The currency is the
 *   deposit account's; other currencies are refused.
 * - No idempotency key and no id in the create answer: look-up by `invoice_number` before creating; the
 *   external id is the public id of the payment link.
 */
export const createIncardProvider = (config: IncardProviderConfig): InvoiceProvider => {
  const now = config.now ?? (() => new Date());
  const timeoutMs = config.timeoutMs ?? 10_000;
  const pageSize = config.pageSize ?? 100;
  const sandbox = isSandboxKey(config.apiKey);
  const baseUrl = (config.baseUrl ?? (sandbox ? INCARD_SANDBOX_URL : INCARD_LIVE_URL)).replace(/\/+$/, '');
  const paymentLinkBase = config.paymentLinkBase ?? INCARD_PAYMENT_LINK_BASE;
  const send = sendRequest({ now });

  const redact = (text: string): string => text.split(config.apiKey).join('<redacted>');

  const failure = (request: HttpRequest, response: HttpResponse): ProviderError =>
    classifyFailure(request, response, errorDetails(response, redact), now());

  const unexpected = (request: HttpRequest, response: HttpResponse): ProviderRejected =>
    providerRejected({
      provider: 'incard',
      operation: request.operation,
      status: response.status,
      code: 'unexpected_response',
      message: `${request.method} ${new URL(request.url).pathname} answered ${response.status} with an unreadable body`,
    });

  const decodeAnswer =
    <A>(codec: t.Decoder<unknown, A>, request: HttpRequest) =>
    (response: HttpResponse): E.Either<ProviderError, A> =>
      pipe(
        parseExactJson(response.text ?? ''),
        E.flatMap((json) =>
          pipe(
            codec.decode(json),
            E.mapLeft(() => 'shape'),
          ),
        ),
        E.mapLeft(() => unexpected(request, response)),
      );

  const tokenRequest: HttpRequest = {
    provider: 'incard',
    operation: 'authenticate',
    method: 'POST',
    url: `${baseUrl}${sandbox ? '/auth/v1/sandbox/token' : '/auth/v1/token'}`,
    json: { api_key: config.apiKey },
    timeoutMs,
  };
  const fetchToken: TE.TaskEither<ProviderError, AccessToken> = pipe(
    send(tokenRequest),
    TE.flatMap((response) =>
      isSuccess(response)
        ? TE.fromEither(
            pipe(
              decodeAnswer(IncardToken, tokenRequest)(response),
              E.flatMap((token) => {
                const expiresAt = Date.parse(token.expires_at);
                return Number.isNaN(expiresAt)
                  ? E.left(unexpected(tokenRequest, response))
                  : E.right({ token: token.access_token, expiresAt: new Date(expiresAt) });
              }),
            ),
          )
        : TE.left(failure(tokenRequest, response)),
    ),
  );
  const tokens = createTokenCache({ fetchToken, now, refreshBeforeMs: config.refreshBeforeMs ?? 60_000 });

  /** One Developer API request with a bearer token; a 401 refreshes the token and replays once. */
  const authed = (
    operation: Operation,
    method: HttpRequest['method'],
    path: string,
    body?: string,
  ): { request: HttpRequest; run: TE.TaskEither<ProviderError, HttpResponse> } => {
    const request: HttpRequest = {
      provider: 'incard',
      operation,
      method,
      url: `${baseUrl}${path}`,
      ...(body === undefined ? {} : { rawJson: body }),
      timeoutMs,
    };
    const attempt = (token: string) => send({ ...request, headers: { authorization: `Bearer ${token}` } });
    const run = pipe(
      tokens.get(),
      TE.flatMap((token) =>
        pipe(
          attempt(token),
          TE.flatMap((response) => {
            if (response.status !== 401) return TE.right(response);
            tokens.invalidate(token);
            return pipe(tokens.get(), TE.flatMap(attempt));
          }),
        ),
      ),
    );
    return { request, run };
  };

  const matches =
    (number: string) =>
    (entry: IncardListedInvoice): boolean =>
      entry.invoice_number === number || (entry.invoice_number == null && entry.reference === number);

  /** Pages through the invoice list until our number turns up or the list ends. */
  const findByNumber = (
    number: string,
    skip = 0,
  ): TE.TaskEither<ProviderError, O.Option<IncardListedInvoice>> => {
    const { request, run } = authed(
      'issue',
      'GET',
      `/developer/companies/invoices?take=${pageSize}&skip=${skip}`,
    );
    return pipe(
      run,
      TE.flatMap((response) =>
        isSuccess(response)
          ? TE.fromEither(decodeAnswer(IncardInvoicePage, request)(response))
          : TE.left(failure(request, response)),
      ),
      TE.flatMap((page) => {
        const invoices = Array.isArray(page.data) ? page.data : page.data.invoices;
        // Fail closed: if Incard's list does not echo the number (the docs do not show that it does), the
        // look-up cannot prove our invoice absent, and creating could duplicate it on every retry.
        if (invoices.some((entry) => entry.invoice_number === undefined && entry.reference === undefined)) {
          return TE.left(
            providerRejected({
              provider: 'incard',
              operation: 'issue',
              code: 'lookup_unavailable',
              message:
                'Incard lists invoices without invoice_number or reference, so we cannot look ours up before creating it (ADR 13)',
            }),
          );
        }
        const hit = invoices.find(matches(number));
        if (hit !== undefined) return TE.right(O.some(hit));
        const seen = skip + invoices.length;
        const more = page.meta?.total === undefined ? invoices.length >= pageSize : seen < page.meta.total;
        return more && invoices.length > 0 ? findByNumber(number, seen) : TE.right(O.none);
      }),
    );
  };

  const foundRef = (
    invoice: ProviderInvoice,
    found: IncardListedInvoice,
  ): E.Either<ProviderRejected, ExternalInvoiceRef> => {
    if (found.cancelled_at != null) {
      return E.left(
        providerRejected({
          provider: 'incard',
          operation: 'issue',
          code: 'cancelled_at_provider',
          message: `Incard invoice ${found.public_id} with number ${invoice.number} was cancelled at Incard`,
        }),
      );
    }
    if (found.amount != null) {
      const amount = pipe(
        parseDecimal(found.amount),
        E.flatMap((value) =>
          pipe(
            toMinorUnits(value, invoice.currency),
            E.mapLeft(() => 'precision'),
          ),
        ),
      );
      if (E.isLeft(amount) || amount.right !== invoice.totals.payableAmount) {
        return E.left(
          providerRejected({
            provider: 'incard',
            operation: 'issue',
            code: 'conflicting_invoice',
            message:
              `Incard already has invoice number ${invoice.number} (${found.public_id}) for ` +
              `${clip(found.amount, 40)} ${invoice.currency}, not ${formatMinorUnits(invoice.totals.payableAmount, invoice.currency)}`,
          }),
        );
      }
    }
    return E.right({
      externalId: found.public_id,
      paymentLink: found.payment_link ?? `${paymentLinkBase}${encodeURIComponent(found.public_id)}`,
    });
  };

  const create = (prepared: PreparedIssue): TE.TaskEither<ProviderError, ExternalInvoiceRef> => {
    const { request, run } = authed('issue', 'POST', '/developer/company/invoices', prepared.body);
    return pipe(
      run,
      TE.flatMap((response) => {
        if (!isSuccess(response)) return TE.left(failure(request, response));
        const json = parseExactJson(response.text ?? '');
        if (E.isRight(json) && IncardRefused.is(json.right)) {
          const details = errorDetails(response, redact);
          return TE.left(
            providerRejected({
              provider: 'incard',
              operation: 'issue',
              status: response.status,
              code: details.code ?? 'not_created',
              message: `POST /developer/company/invoices answered success: false: ${details.message}`,
            }),
          );
        }
        const created = pipe(json, E.flatMap(flowDecode(IncardCreated)));
        const publicId = E.isRight(created) ? publicIdOf(created.right.data.payment_link) : undefined;
        if (E.isLeft(created) || publicId === undefined) {
          // Incard may have created it: the retry's look-up finds it by number, so this is retryable.
          return TE.left(
            providerUnavailable({
              provider: 'incard',
              operation: 'issue',
              status: response.status,
              message: `POST /developer/company/invoices answered ${response.status} without a readable payment link`,
            }),
          );
        }
        return TE.right({ externalId: publicId, paymentLink: created.right.data.payment_link });
      }),
    );
  };

  const prepare = (invoice: ProviderInvoice): E.Either<ProviderRejected, PreparedIssue> => {
    const refuse = (code: string, message: string) =>
      E.left(providerRejected({ provider: 'incard', operation: 'issue', code, message }));
    if (invoice.currency !== config.depositAccount.currency) {
      return refuse(
        'unsupported_currency',
        `the Incard deposit account holds ${config.depositAccount.currency}; invoice ${invoice.number} is in ${invoice.currency}`,
      );
    }
    const recipientId = config.recipients?.[invoice.customer.id] ?? config.defaultRecipientId;
    if (recipientId === undefined) {
      return refuse(
        'unknown_recipient',
        `no Incard recipient is configured for customer ${invoice.customer.id}`,
      );
    }
    const items = toPayableItems(invoice);
    if (E.isLeft(items)) {
      return items.left._tag === 'NothingToCollect'
        ? refuse('nothing_to_collect', `invoice ${invoice.number} has nothing to pay`)
        : refuse(
            'negative_line',
            `Incard cannot carry the negative line "${clip(items.left.description, 80)}"`,
          );
    }
    const decimal = (minor: bigint) => JsonNumber.unsafe(formatMinorUnits(minor, invoice.currency));
    const body = stringifyExactJson({
      invoice_number: invoice.number,
      issued_at: `${invoice.issueDate}T00:00:00.000Z`,
      due_date: `${invoice.dueDate}T00:00:00.000Z`,
      template_id: config.templateId,
      deposit_account_id: config.depositAccount.id,
      recipient_id: recipientId,
      amount: decimal(invoice.totals.payableAmount),
      line_items: items.right.map((item) => ({
        quantity: item.quantity,
        unit_price: decimal(item.unitAmount),
        discount: 0n,
        description: item.description,
      })),
      email: invoice.customer.email,
      // The payer's transfer reference: our number, which is also what the look-up matches on.
      reference: invoice.number,
      notes: incardNotes(invoice),
    });
    return E.right({ invoice, body });
  };

  return {
    name: 'incard',
    supports: new Set(),
    issue: ({ input }) =>
      pipe(
        TE.fromEither(prepare(input)),
        TE.flatMap((prepared) =>
          pipe(
            findByNumber(input.number),
            TE.flatMap(
              O.match(
                () => create(prepared),
                (found) => TE.fromEither(foundRef(input, found)),
              ),
            ),
          ),
        ),
      ),
  };
};

const flowDecode =
  <A>(codec: t.Decoder<unknown, A>) =>
  (json: unknown): E.Either<string, A> =>
    pipe(
      codec.decode(json),
      E.mapLeft(() => 'shape'),
    );

/** `https://send.incard.com/invoices/<public-id>` → the public id. */
export const publicIdOf = (link: string): string | undefined => {
  if (!URL.canParse(link)) return undefined;
  const segments = new URL(link).pathname.split('/').filter((segment) => segment !== '');
  const last = segments[segments.length - 1];
  return last !== undefined && /^[A-Za-z0-9_-]+$/.test(last) ? last : undefined;
};

/**
 * Incard's payload has no tax fields, so the lines are VAT-inclusive; the notes say so and give the VAT
 * breakdown and the document allowances, which a VAT invoice must state.
 */
const incardNotes = (invoice: ProviderInvoice): string => {
  const money = (minor: bigint) => `${formatMinorUnits(minor, invoice.currency)} ${invoice.currency}`;
  const vat = invoice.vatBreakdown.map((group) => {
    if (group.vat.rate !== undefined)
      return `VAT ${group.vat.rate}% on ${money(group.taxableAmount)}: ${money(group.taxAmount)}`;
    const reason = group.vat.exemptionReason === undefined ? '' : ` (${group.vat.exemptionReason})`;
    return `VAT ${group.vat.category}${reason} on ${money(group.taxableAmount)}`;
  });
  const allowances = invoice.allowances.map(
    (entry) => `${entry.reason}: -${money(entry.amount)} (excl. VAT), included in the line amounts`,
  );
  return [
    invoice.notes,
    invoice.buyerReference === undefined ? undefined : `Your reference: ${invoice.buyerReference}`,
    `Amounts include VAT. ${vat.join('; ')}.`,
    ...allowances,
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');
};

/**
 * Incard's error bodies are not documented (only "401 Unauthorized", "403 insufficient permission"): a message
 * from the usual fields, else a description of the status. Clipped and stripped of the api key.
 */
const errorDetails = (
  response: HttpResponse,
  redact: (text: string) => string,
): { message: string; code?: string } => {
  const parsed = pipe(
    parseExactJson(response.text ?? ''),
    E.flatMap((json) =>
      pipe(
        IncardErrorBody.decode(json),
        E.mapLeft(() => 'shape'),
      ),
    ),
  );
  const body = E.isRight(parsed) ? parsed.right : {};
  const nested = typeof body.error === 'object' ? body.error : undefined;
  const message =
    body.message ??
    nested?.message ??
    (typeof body.error === 'string' ? body.error : undefined) ??
    statusText(response.status);
  const code = body.code ?? nested?.code;
  return {
    message: clip(redact(message), 200),
    ...(code === undefined ? {} : { code: clip(redact(code), 60) }),
  };
};

const statusText = (status: number): string => {
  switch (status) {
    case 401:
      return 'unauthorized (api key or access token refused)';
    case 403:
      return 'forbidden (the api key user may lack the request_payments permission)';
    case 404:
      return 'not found';
    case 429:
      return 'rate limited';
    default:
      return status >= 500 ? 'server error' : 'request refused';
  }
};
