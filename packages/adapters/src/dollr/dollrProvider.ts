import { CurrencyCode, currencyExponent, formatMinorUnits, parseDecimal, toMinorUnits } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as t from 'io-ts';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../providers/exactJson.js';
import type { HttpRequest, HttpResponse } from '../providers/http.js';
import { classifyFailure, clip, isSuccess, sendRequest } from '../providers/http.js';
import type { PayableItem } from '../providers/payableItems.js';
import { toPayableItems } from '../providers/payableItems.js';
import type {
  ExternalInvoiceRef,
  InvoiceProvider,
  PolledPaymentStatus,
  ProviderError,
  ProviderInvoice,
  ProviderRejected,
} from '../providers/port.js';
import { providerRejected } from '../providers/port.js';
import type { AccessToken } from '../providers/tokenCache.js';
import { createTokenCache } from '../providers/tokenCache.js';
import type { DollrInvoice, DollrItem } from './codecs.js';
import { DollrErrorBody, DollrInvoice as DollrInvoiceCodec, DollrInvoiceList, DollrToken } from './codecs.js';
import type { DollrProviderConfig } from './config.js';
import { DOLLR_DEFAULT_CURRENCIES, DOLLR_LIVE_URL } from './config.js';

type Operation = HttpRequest['operation'];

/** One item as Dollr will hold it: the name we send, `qty`, and the unit `amount` in minor units. */
interface PlannedItem {
  readonly name: string;
  readonly qty: bigint;
  readonly amount: bigint;
}

interface PreparedIssue {
  readonly invoice: ProviderInvoice;
  readonly currency: CurrencyCode;
  readonly items: ReadonlyArray<PlannedItem>;
  readonly createBody: string;
}

/** Dollr item names are not documented as limited; we keep them short and deterministic (matching). */
const MAX_NAME = 200;

/**
 * The Dollr Open API adapter (ADR 14). Issuing is create (IDLE) → add items one by one → publish (ACTIVE).
 * Dollr has no idempotency key for invoices, so every issue starts from what Dollr already has: the invoice
 * with our number as `reference_id`, its items (added ones are never added again) and its status; it adds
 * only what is missing, checks Dollr's total against our payable amount, and publishes only then.
 *
 * - Auth: client credentials → JWT (`expires_in` minutes), refreshed 5 minutes before expiry, one refresh at a
 *   time; a 401 mid-flight refreshes once and replays once.
 * - Money: major-unit decimals written as JSON number tokens (never a JS `number`), at most 2 decimals; each
 *   item is VAT-inclusive so the items sum to our payable amount exactly.
 * - `supports`: `void` (cancel). No send or mark-paid; payment is polled (`pollPayment`): Dollr has no webhooks.
 */
export const createDollrProvider = (config: DollrProviderConfig): InvoiceProvider => {
  const now = config.now ?? (() => new Date());
  const timeoutMs = config.timeoutMs ?? 10_000;
  const baseUrl = (config.baseUrl ?? DOLLR_LIVE_URL).replace(/\/+$/, '');
  const currencies: ReadonlyArray<string> = config.currencies ?? DOLLR_DEFAULT_CURRENCIES;
  const send = sendRequest({ now });

  const redact = (text: string): string => text.split(config.clientSecret).join('<redacted>');

  const failure = (request: HttpRequest, response: HttpResponse): ProviderError =>
    classifyFailure(request, response, errorDetails(response, redact), now());

  const rejected = (operation: Operation, code: string, message: string): ProviderRejected =>
    providerRejected({ provider: 'dollr', operation, code, message });

  const decodeAnswer =
    <A>(codec: t.Decoder<unknown, A>, request: HttpRequest) =>
    (response: HttpResponse): E.Either<ProviderError, A> =>
      pipe(
        // An empty body (a bare 200/204) decodes as `undefined`.
        response.text === undefined || response.text === ''
          ? E.right(undefined)
          : parseExactJson(response.text),
        E.flatMap((json) =>
          pipe(
            codec.decode(json),
            E.mapLeft(() => 'shape'),
          ),
        ),
        E.mapLeft(() =>
          providerRejected({
            provider: 'dollr',
            operation: request.operation,
            status: response.status,
            code: 'unexpected_response',
            message: `${request.method} ${new URL(request.url).pathname} answered ${response.status} with an unreadable body`,
          }),
        ),
      );

  const tokenRequest: HttpRequest = {
    provider: 'dollr',
    operation: 'authenticate',
    method: 'POST',
    url: `${baseUrl}/v1/jwt/client/obtain/token`,
    json: { client_id: config.clientId, client_secret: config.clientSecret },
    timeoutMs,
  };
  const fetchToken: TE.TaskEither<ProviderError, AccessToken> = pipe(
    send(tokenRequest),
    TE.flatMap((response) =>
      isSuccess(response)
        ? TE.fromEither(
            pipe(
              decodeAnswer(DollrToken, tokenRequest)(response),
              E.map((token) => ({
                token: token.access_token,
                // `expires_in` is in minutes (docs.heydollr.app/authentication).
                expiresAt: new Date(now().getTime() + token.expires_in * 60_000),
              })),
            ),
          )
        : TE.left(failure(tokenRequest, response)),
    ),
  );
  const tokens = createTokenCache({ fetchToken, now, refreshBeforeMs: config.refreshBeforeMs ?? 5 * 60_000 });

  /** One API request with the JWT; a 401 refreshes the token and replays once. Non-2xx → `Left`. */
  const call = <A>(
    operation: Operation,
    method: HttpRequest['method'],
    path: string,
    codec: t.Decoder<unknown, A>,
    body?: string,
  ): TE.TaskEither<ProviderError, A> => {
    const request: HttpRequest = {
      provider: 'dollr',
      operation,
      method,
      url: `${baseUrl}${path}`,
      ...(body === undefined ? {} : { rawJson: body }),
      timeoutMs,
    };
    const attempt = (token: string) => send({ ...request, headers: { authorization: `Bearer ${token}` } });
    return pipe(
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
      TE.flatMap((response) =>
        isSuccess(response)
          ? TE.fromEither(decodeAnswer(codec, request)(response))
          : TE.left(failure(request, response)),
      ),
    );
  };

  const retrieve = (operation: Operation, id: number) =>
    call(operation, 'GET', `/v1/invoices/retrieve/${id}`, DollrInvoiceCodec);

  const minorOf = (text: string, currency: CurrencyCode): bigint | undefined => {
    const value = pipe(
      parseDecimal(text),
      E.flatMap((decimal) =>
        pipe(
          toMinorUnits(decimal, currency),
          E.mapLeft(() => 'precision'),
        ),
      ),
    );
    return E.isRight(value) ? value.right : undefined;
  };

  /** Our invoice at Dollr: `reference_id` is our number. A cancelled one counts only if nothing else does. */
  const findByReference = (prepared: PreparedIssue): TE.TaskEither<ProviderError, DollrInvoice | undefined> =>
    pipe(
      call(
        'issue',
        'GET',
        `/v1/invoices/list?currency=${encodeURIComponent(prepared.currency)}`,
        DollrInvoiceList,
      ),
      TE.map((list) => {
        const invoices = Array.isArray(list)
          ? list
          : 'items' in list
            ? list.items
            : 'data' in list
              ? list.data
              : list.results;
        const ours = invoices
          .filter((entry) => entry.reference_id === prepared.invoice.number)
          .sort((a, b) => a.id - b.id);
        return ours.find((entry) => entry.status !== 'CANCELED') ?? ours[0];
      }),
    );

  const create = (prepared: PreparedIssue): TE.TaskEither<ProviderError, DollrInvoice> =>
    call('issue', 'POST', '/v1/invoices/create', DollrInvoiceCodec, prepared.createBody);

  /**
   * The items still to add, given what Dollr holds. With `items` in the answer: a multiset difference on
   * (name, qty, amount), and anything of Dollr's that is not ours is a conflict. Without them: items are only
   * ever added in plan order and are all positive, so Dollr's total is the sum of exactly one prefix of the
   * plan — the rest is missing; a total matching no prefix is a conflict.
   */
  const missingItems = (
    prepared: PreparedIssue,
    held: DollrInvoice,
  ): E.Either<ProviderRejected, ReadonlyArray<PlannedItem>> => {
    const conflict = (why: string) =>
      E.left(
        rejected(
          'issue',
          'conflicting_invoice',
          `Dollr invoice ${held.id} (reference ${prepared.invoice.number}) ${why}; not touching it`,
        ),
      );
    if (held.items == null) {
      const total = minorOf(held.total_amount, prepared.currency);
      let prefix = 0n;
      for (let done = 0; done <= prepared.items.length; done += 1) {
        if (prefix === total) return E.right(prepared.items.slice(done));
        const next = prepared.items[done];
        if (next !== undefined) prefix += next.qty * next.amount;
      }
      return conflict(`totals ${clip(held.total_amount, 40)}, which no part of our items adds up to`);
    }
    const remaining = [...prepared.items];
    for (const item of held.items) {
      const index = remaining.findIndex((planned) => sameItem(planned, item, prepared.currency));
      if (index < 0) return conflict(`has an item we did not send ("${clip(item.name, 60)}")`);
      remaining.splice(index, 1);
    }
    return E.right(remaining);
  };

  const sameItem = (planned: PlannedItem, held: DollrItem, currency: CurrencyCode): boolean =>
    held.name === planned.name &&
    BigInt(held.qty) === planned.qty &&
    minorOf(held.amount, currency) === planned.amount;

  const checkTotal = (
    prepared: PreparedIssue,
    held: DollrInvoice,
  ): E.Either<ProviderRejected, DollrInvoice> =>
    minorOf(held.total_amount, prepared.currency) === prepared.invoice.totals.payableAmount
      ? E.right(held)
      : E.left(
          rejected(
            'issue',
            'amount_mismatch',
            `Dollr invoice ${held.id} totals ${clip(held.total_amount, 40)} ${prepared.currency}, ` +
              `not ${formatMinorUnits(prepared.invoice.totals.payableAmount, prepared.currency)}`,
          ),
        );

  const addItems = (id: number, items: ReadonlyArray<PlannedItem>, prepared: PreparedIssue) =>
    items.reduce<TE.TaskEither<ProviderError, unknown>>(
      (previous, item) =>
        pipe(
          previous,
          TE.flatMap(() =>
            call(
              'issue',
              'POST',
              `/v1/invoices/${id}/items/add`,
              DollrAnything,
              stringifyExactJson({
                name: item.name,
                currency: prepared.currency,
                qty: item.qty,
                amount: JsonNumber.unsafe(formatMinorUnits(item.amount, prepared.currency)),
              }),
            ),
          ),
        ),
      TE.right(undefined),
    );

  /** Brings a held invoice to ACTIVE (or leaves it where it is past that), adding only missing items. */
  const complete = (prepared: PreparedIssue, id: number): TE.TaskEither<ProviderError, ExternalInvoiceRef> =>
    pipe(
      retrieve('issue', id),
      TE.flatMap((held): TE.TaskEither<ProviderError, unknown> => {
        switch (held.status) {
          case 'IDLE':
            return pipe(
              TE.fromEither(missingItems(prepared, held)),
              TE.flatMap((missing) =>
                missing.length === 0
                  ? TE.right(held)
                  : pipe(
                      addItems(id, missing, prepared),
                      TE.flatMap(() => retrieve('issue', id)),
                    ),
              ),
              TE.flatMap((filled) => TE.fromEither(checkTotal(prepared, filled))),
              TE.flatMap(() => call('issue', 'PUT', `/v1/invoices/publish/${id}`, DollrAnything)),
            );
          case 'CANCELED':
            return TE.left(
              rejected(
                'issue',
                'cancelled_at_provider',
                `Dollr invoice ${id} (${prepared.invoice.number}) was cancelled`,
              ),
            );
          default:
            // ACTIVE, PROCESSING, PAID: issued earlier (the publish answer was lost); only check the amount.
            return TE.fromEither(checkTotal(prepared, held));
        }
      }),
      TE.map(() => ({ externalId: String(id) })),
    );

  const prepare = (invoice: ProviderInvoice): E.Either<ProviderRejected, PreparedIssue> => {
    const refuse = (code: string, message: string) => E.left(rejected('issue', code, message));
    const currency = invoice.currency;
    if (!currencies.includes(currency)) {
      return refuse('unsupported_currency', `this Dollr connection does not invoice in ${currency}`);
    }
    if (currencyExponent(currency) > 2) {
      return refuse(
        'currency_precision',
        `Dollr amounts have at most 2 decimals; ${currency} has ${currencyExponent(currency)}`,
      );
    }
    const counterpartyId = config.counterparties?.[invoice.customer.id] ?? config.defaultCounterpartyId;
    if (counterpartyId === undefined) {
      return refuse(
        'unknown_counterparty',
        `no Dollr counterparty is configured for customer ${invoice.customer.id}`,
      );
    }
    const items = toPayableItems(invoice);
    if (E.isLeft(items)) {
      return items.left._tag === 'NothingToCollect'
        ? refuse('nothing_to_collect', `invoice ${invoice.number} has nothing to pay`)
        : refuse(
            'negative_line',
            `Dollr cannot carry the negative line "${clip(items.left.description, 80)}"`,
          );
    }
    const createBody = stringifyExactJson({
      counterparty_id: counterpartyId,
      currency,
      note: dollrNote(invoice),
      fee_bearer: config.feeBearer ?? 'PAYEE',
      as_payment_link: true,
      reference_id: invoice.number,
      due_date: `${invoice.dueDate}T00:00:00Z`,
    });
    return E.right({ invoice, currency, items: items.right.map(planned), createBody });
  };

  const numericId = (operation: Operation, ref: ExternalInvoiceRef): E.Either<ProviderRejected, number> =>
    /^[1-9][0-9]{0,14}$/.test(ref.externalId)
      ? E.right(Number(ref.externalId))
      : E.left(
          rejected(operation, 'bad_reference', `"${clip(ref.externalId, 40)}" is not a Dollr invoice id`),
        );

  return {
    name: 'dollr',
    supports: new Set(['void']),
    issue: ({ input }) =>
      pipe(
        TE.fromEither(prepare(input)),
        TE.flatMap((prepared) =>
          pipe(
            findByReference(prepared),
            TE.flatMap((found) =>
              found === undefined
                ? pipe(
                    create(prepared),
                    TE.map((created) => created.id),
                  )
                : TE.right(found.id),
            ),
            TE.flatMap((id) => complete(prepared, id)),
          ),
        ),
      ),
    void: ({ input }) =>
      pipe(
        TE.fromEither(numericId('void', input.ref)),
        TE.flatMap((id) =>
          pipe(
            retrieve('void', id),
            TE.flatMap((held): TE.TaskEither<ProviderError, void> => {
              if (held.status === 'CANCELED') return TE.right(undefined);
              if (held.status === 'PAID' || held.status === 'PROCESSING') {
                return TE.left(
                  rejected(
                    'void',
                    'already_paid',
                    `Dollr invoice ${id} is ${held.status} and cannot be cancelled`,
                  ),
                );
              }
              return pipe(
                call('void', 'DELETE', `/v1/invoices/cancel/${id}`, DollrAnything),
                // A refusal may mean a concurrent cancel won: what counts is where the invoice ended.
                TE.orElse((error) =>
                  error._tag === 'ProviderRejected'
                    ? pipe(
                        retrieve('void', id),
                        TE.flatMap((after) =>
                          after.status === 'CANCELED' ? TE.right(undefined) : TE.left(error),
                        ),
                      )
                    : TE.left(error),
                ),
                TE.map(() => undefined),
              );
            }),
          ),
        ),
      ),
    pollPayment: (ref) =>
      pipe(
        TE.fromEither(numericId('poll', ref)),
        TE.flatMap((id) => retrieve('poll', id)),
        TE.flatMap((held) => TE.fromEither(polled(held, ref, minorOf))),
      ),
  };
};

/** Publish, cancel and add-item answers are not needed (we retrieve instead): any JSON, or none. */
const DollrAnything = t.unknown;

const planned = (item: PayableItem): PlannedItem => ({
  name: clip(item.description, MAX_NAME),
  qty: item.quantity,
  amount: item.unitAmount,
});

/**
 * Dollr's `note` is required and is all the invoice says besides its items: our number, the buyer's reference,
 * that the items include VAT, and the VAT breakdown.
 */
const dollrNote = (invoice: ProviderInvoice): string => {
  const money = (minor: bigint) => `${formatMinorUnits(minor, invoice.currency)} ${invoice.currency}`;
  const vat = invoice.vatBreakdown.map((group) =>
    group.vat.rate === undefined
      ? `VAT ${group.vat.category} on ${money(group.taxableAmount)}`
      : `VAT ${group.vat.rate}% on ${money(group.taxableAmount)}: ${money(group.taxAmount)}`,
  );
  return [
    `Invoice ${invoice.number}`,
    invoice.buyerReference === undefined ? undefined : `Your reference: ${invoice.buyerReference}`,
    invoice.notes,
    `Amounts include VAT. ${vat.join('; ')}.`,
    ...invoice.allowances.map(
      (entry) => `${entry.reason}: -${money(entry.amount)} (excl. VAT), included in the items`,
    ),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');
};

const polled = (
  held: DollrInvoice,
  ref: ExternalInvoiceRef,
  minorOf: (text: string, currency: CurrencyCode) => bigint | undefined,
): E.Either<ProviderRejected, PolledPaymentStatus> => {
  const base = { externalId: ref.externalId };
  switch (held.status) {
    case 'IDLE':
    case 'ACTIVE':
      return E.right({ ...base, status: 'unpaid' });
    case 'PROCESSING':
      return E.right({ ...base, status: 'processing' });
    case 'CANCELED':
      return E.right({ ...base, status: 'cancelled' });
    case 'PAID': {
      const currency = held.currency.toUpperCase();
      const amount = CurrencyCode.is(currency) ? minorOf(held.total_amount, currency) : undefined;
      const paidAt = held.paid_at ?? undefined;
      if (amount === undefined || paidAt === undefined || Number.isNaN(Date.parse(paidAt))) {
        return E.left(
          providerRejected({
            provider: 'dollr',
            operation: 'poll',
            code: 'unexpected_response',
            message: `Dollr invoice ${held.id} is PAID without a readable total_amount or paid_at`,
          }),
        );
      }
      return E.right({
        ...base,
        status: 'paid',
        paidAmount: amount,
        paidAt: new Date(paidAt).toISOString(),
        // An invoice is paid once at Dollr: its id names the payment, stable across polls.
        providerPaymentId: `dollr-invoice:${held.id}`,
      });
    }
    default:
      return E.left(
        providerRejected({
          provider: 'dollr',
          operation: 'poll',
          code: 'unexpected_response',
          message: `Dollr invoice ${held.id} has the unknown status ${clip(held.status, 30)}`,
        }),
      );
  }
};

/** FastAPI's `detail`: a string, or the 422 list whose first messages (with their field) we keep. */
const errorDetails = (
  response: HttpResponse,
  redact: (text: string) => string,
): { message: string; code?: string } => {
  const parsed = pipe(
    parseExactJson(response.text ?? ''),
    E.flatMap((json) =>
      pipe(
        DollrErrorBody.decode(json),
        E.mapLeft(() => 'shape'),
      ),
    ),
  );
  if (E.isLeft(parsed)) return { message: statusText(response.status) };
  const { detail } = parsed.right;
  if (typeof detail === 'string') return { message: clip(redact(detail), 200) };
  const messages = detail.slice(0, 3).map((entry) => {
    const field = (entry.loc ?? []).filter((part) => part !== 'body').join('.');
    return field === '' ? entry.msg : `${field}: ${entry.msg}`;
  });
  const code = detail[0]?.type;
  return {
    message: clip(redact(messages.join('; ') || statusText(response.status)), 300),
    ...(code === undefined ? {} : { code: clip(code, 60) }),
  };
};

const statusText = (status: number): string => {
  switch (status) {
    case 401:
      return 'could not validate credentials';
    case 403:
      return 'forbidden (is the merchant verified?)';
    case 404:
      return 'not found';
    case 429:
      return 'rate limited';
    default:
      return status >= 500 ? 'server error' : 'request refused';
  }
};
