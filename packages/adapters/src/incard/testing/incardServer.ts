import type { Decimal } from '@accrue/domain';
import { CurrencyCode, ZERO, currencyExponent, parseDecimal, toScaledInteger } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../../providers/exactJson.js';
import type { LoopbackRequest, LoopbackResponse, LoopbackServer } from '../../providers/testing/loopback.js';
import { bearerToken, startLoopbackServer } from '../../providers/testing/loopback.js';
import { signIncardWebhook } from './signIncardWebhook.js';

/**
 * A loopback Incard Developer API for tests, following docs.incard.com where it speaks and ADR 13's
 * assumptions where it does not:
 *
 * - `POST /auth/v1/token` (live keys) and `/auth/v1/sandbox/token` (sandbox keys) exchange the api key for a
 *   15-minute token; expired, unknown or `expireTokens`-ed tokens get 401; a key without `request_payments`
 *   gets 403 on the invoice endpoints;
 * - `POST /developer/company/invoices` validates the payload (known template, deposit account and recipient,
 *   ISO datetimes, amounts as JSON numbers with no more decimals than the account currency has, and `amount`
 *   equal to Σ quantity × unit_price − discount) and answers 201 with the payment link only. Like the docs, it
 *   does not refuse a repeated `invoice_number`: a duplicate created by an adapter shows up in `invoices()`;
 * - `GET /developer/companies/invoices?take&skip` (plural, as documented) lists newest first with
 *   `meta {total, take, skip}`; `GET /developer/company/invoices/{id}` returns one.
 *
 * Amounts are kept as the decimal text received; nothing here goes through a JS `number`.
 */

export interface IncardTestServerOptions {
  readonly apiKey: string;
  readonly now: () => Date;
  readonly templateId: string;
  readonly depositAccount: { readonly id: string; readonly currency: string };
  readonly recipientIds: ReadonlyArray<string>;
  /** Signs the deliveries `pay` returns. */
  readonly webhookSecret?: string;
  /** Whether the api key's user has `request_payments` (default true). */
  readonly canRequestPayments?: boolean;
  /** Default 15 minutes. */
  readonly tokenLifetimeMs?: number;
  /** Largest `take` accepted (default 100). */
  readonly maxTake?: number;
}

export interface IncardStoredLine {
  readonly quantity: string;
  readonly unit_price: string;
  readonly discount: string;
  readonly description: string;
}

export interface IncardStoredInvoice {
  readonly id: string;
  readonly public_id: string;
  readonly invoice_number: string;
  readonly reference: string | null;
  /** As received: a decimal in major units. */
  readonly amount: string;
  readonly currency: string;
  readonly line_items: ReadonlyArray<IncardStoredLine>;
  readonly issued_at: string;
  readonly due_date: string;
  readonly recipient_id: string;
  readonly template_id: string;
  readonly email: string | null;
  readonly notes: string | null;
  status: 'pending' | 'paid';
  transaction_id: string | null;
  readonly cancelled_at: string | null;
  readonly created_at: string;
}

export interface IncardWebhookDelivery {
  readonly rawBody: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface IncardTestServer {
  readonly server: LoopbackServer;
  readonly url: string;
  readonly invoices: () => ReadonlyArray<IncardStoredInvoice>;
  /** Every token issued so far stops working (also the loopback `expireTokens` fault). */
  readonly expireTokens: () => void;
  /**
   * A customer pays the invoice on its hosted page: Incard records a completed inbound transaction, links it
   * to the invoice, and sends `transaction.create`. Returns that delivery, signed with `webhookSecret`.
   */
  readonly pay: (publicId: string) => IncardWebhookDelivery;
  readonly close: () => Promise<void>;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

const json = (status: number, value: unknown): LoopbackResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: stringifyExactJson(value),
});

const errorBody = (status: number, message: string) => ({ success: false, statusCode: status, message });
const fail = (status: number, message: string) => json(status, errorBody(status, message));

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);

/** A JSON number token as an exact decimal (never via a JS number). */
const decimalOf = (value: unknown): Decimal | undefined => {
  if (!(value instanceof JsonNumber)) return undefined;
  const parsed = parseDecimal(value.text);
  return E.isRight(parsed) ? parsed.right : undefined;
};

const scaleOf = (value: Decimal): number => toScaledInteger(value).scale;

export const startIncardTestServer = async (options: IncardTestServerOptions): Promise<IncardTestServer> => {
  const tokens = new Map<string, number>();
  const invoices: IncardStoredInvoice[] = [];
  let tokenCounter = 0;
  let invoiceCounter = 0;
  let eventCounter = 0;
  const lifetime = options.tokenLifetimeMs ?? 15 * 60_000;
  const currency = options.depositAccount.currency;
  const exponent = CurrencyCode.is(currency) ? currencyExponent(currency) : 2;

  const issueToken = (request: LoopbackRequest, sandboxPath: boolean): LoopbackResponse => {
    const parsed = parseExactJson(request.rawBody.toString('utf8'));
    const body = E.isRight(parsed) && isObject(parsed.right) ? parsed.right : undefined;
    const key = body?.['api_key'];
    if (typeof key !== 'string') return fail(400, 'api_key is required');
    const keyIsSandbox = key.startsWith('sk_sandbox_');
    if (key !== options.apiKey || keyIsSandbox !== sandboxPath) return fail(401, 'Unauthorized');
    tokenCounter += 1;
    const token = `incard-at-${tokenCounter}-${Math.floor(options.now().getTime() / 1000)}`;
    const expiresAt = options.now().getTime() + lifetime;
    tokens.set(token, expiresAt);
    return json(201, { access_token: token, expires_at: new Date(expiresAt).toISOString() });
  };

  /** `undefined` when the bearer token is good; else the refusal. */
  const authorize = (request: LoopbackRequest): LoopbackResponse | undefined => {
    const token = bearerToken(request);
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || expiresAt <= options.now().getTime()) return fail(401, 'Unauthorized');
    if (options.canRequestPayments === false) return fail(403, 'insufficient permission for this user');
    return undefined;
  };

  const create = (request: LoopbackRequest): LoopbackResponse => {
    const parsed = parseExactJson(request.rawBody.toString('utf8'));
    if (E.isLeft(parsed) || !isObject(parsed.right)) return fail(400, 'body must be a JSON object');
    const body = parsed.right;
    const text = (name: string): string | undefined => {
      const value = body[name];
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    const invoiceNumber = text('invoice_number');
    if (invoiceNumber === undefined) return fail(400, 'invoice_number is required');
    for (const name of ['issued_at', 'due_date']) {
      const value = text(name);
      if (value === undefined || !ISO_DATETIME.test(value) || Number.isNaN(Date.parse(value)))
        return fail(400, `${name} must be an ISO-8601 datetime`);
    }
    if (text('template_id') !== options.templateId) return fail(400, 'template not found');
    if (text('deposit_account_id') !== options.depositAccount.id)
      return fail(400, 'deposit account not found');
    const recipientId = text('recipient_id');
    if (recipientId === undefined || !options.recipientIds.includes(recipientId))
      return fail(400, 'recipient not found');
    const amount = decimalOf(body['amount']);
    if (amount === undefined) return fail(400, 'amount must be a number');
    if (!amount.gt(ZERO)) return fail(400, 'amount must be positive');
    if (scaleOf(amount) > exponent)
      return fail(400, `amount has more than ${exponent} decimals for ${currency}`);
    const rawLines = body['line_items'];
    if (!Array.isArray(rawLines) || rawLines.length === 0) return fail(400, 'line_items must not be empty');
    const lines: IncardStoredLine[] = [];
    let sum = ZERO;
    for (const [index, rawLine] of rawLines.entries()) {
      if (!isObject(rawLine)) return fail(400, `line_items[${index}] must be an object`);
      const quantity = decimalOf(rawLine['quantity']);
      const unitPrice = decimalOf(rawLine['unit_price']);
      const discount = decimalOf(rawLine['discount'] ?? JsonNumber.unsafe('0'));
      const description = rawLine['description'];
      if (quantity === undefined || !quantity.gt(ZERO))
        return fail(400, `line_items[${index}].quantity must be a positive number`);
      if (unitPrice === undefined || unitPrice.lt(ZERO) || scaleOf(unitPrice) > exponent)
        return fail(
          400,
          `line_items[${index}].unit_price must be a number with at most ${exponent} decimals`,
        );
      if (discount === undefined || discount.lt(ZERO))
        return fail(400, `line_items[${index}].discount must be a number`);
      if (typeof description !== 'string' || description === '')
        return fail(400, `line_items[${index}].description is required`);
      sum = sum.plus(quantity.times(unitPrice)).minus(discount);
      lines.push({
        quantity: quantity.toFixed(),
        unit_price: unitPrice.toFixed(),
        discount: discount.toFixed(),
        description,
      });
    }
    if (!sum.eq(amount))
      return fail(400, `amount ${amount.toFixed()} does not match the line items (${sum.toFixed()})`);
    invoiceCounter += 1;
    const n = String(invoiceCounter).padStart(12, '0');
    const stored: IncardStoredInvoice = {
      id: `2b7e0c1a-5d3f-4e8a-9c6b-${n}`,
      public_id: `inv${n}`,
      invoice_number: invoiceNumber,
      reference: text('reference') ?? null,
      amount: amount.toFixed(),
      currency,
      line_items: lines,
      issued_at: text('issued_at') ?? '',
      due_date: text('due_date') ?? '',
      recipient_id: recipientId,
      template_id: options.templateId,
      email: text('email') ?? null,
      notes: text('notes') ?? null,
      status: 'pending',
      transaction_id: null,
      cancelled_at: null,
      created_at: options.now().toISOString(),
    };
    invoices.push(stored);
    return json(201, { success: true, data: { payment_link: paymentLink(stored), reminder_schedule: null } });
  };

  const listed = (invoice: IncardStoredInvoice) => ({
    id: invoice.id,
    public_id: invoice.public_id,
    status: invoice.status,
    invoice_number: invoice.invoice_number,
    reference: invoice.reference,
    amount: JsonNumber.unsafe(invoice.amount),
    currency: invoice.currency,
    cancelled_at: invoice.cancelled_at,
    transaction_id: invoice.transaction_id,
    requested_by: null,
    template: {
      id: invoice.template_id,
      name: 'Default',
      background_type: 'colour',
      background_colour: '#ffffff',
    },
    recipient: { id: invoice.recipient_id, type: 'individual' },
    cc: [],
    memo: invoice.notes,
    reminderSchedule: null,
  });

  const list = (request: LoopbackRequest): LoopbackResponse => {
    const take = request.query.get('take') ?? '10';
    const skip = request.query.get('skip') ?? '0';
    if (!/^\d+$/.test(take) || !/^\d+$/.test(skip)) return fail(400, 'take and skip must be integers');
    const takeN = Number(take);
    if (takeN < 1 || takeN > (options.maxTake ?? 100)) return fail(400, 'take out of range');
    const newestFirst = [...invoices].reverse();
    const page = newestFirst.slice(Number(skip), Number(skip) + takeN);
    return json(200, {
      success: true,
      data: { invoices: page.map(listed) },
      meta: { total: invoices.length, take: takeN, skip: Number(skip) },
    });
  };

  const handler = (request: LoopbackRequest): LoopbackResponse => {
    const { method, path } = request;
    if (method === 'POST' && path === '/auth/v1/token') return issueToken(request, false);
    if (method === 'POST' && path === '/auth/v1/sandbox/token') return issueToken(request, true);
    if (!path.startsWith('/developer/')) return fail(404, 'Not Found');
    const refused = authorize(request);
    if (refused !== undefined) return refused;
    if (method === 'POST' && path === '/developer/company/invoices') return create(request);
    if (method === 'GET' && path === '/developer/companies/invoices') return list(request);
    const one = /^\/developer\/company\/invoices\/([^/]+)$/.exec(path);
    if (method === 'GET' && one !== null) {
      const invoice = invoices.find((entry) => entry.id === one[1]);
      return invoice === undefined
        ? fail(404, 'invoice not found')
        : json(200, { success: true, data: { invoice: listed(invoice) } });
    }
    return fail(404, 'Not Found');
  };

  const server = await startLoopbackServer({
    handler,
    errorBody,
    expireTokens: () => {
      tokens.clear();
    },
  });

  return {
    server,
    url: server.url,
    invoices: () => invoices,
    expireTokens: () => {
      tokens.clear();
    },
    pay: (publicId) => {
      const invoice = invoices.find((entry) => entry.public_id === publicId);
      if (invoice === undefined) throw new Error(`no invoice ${publicId}`);
      eventCounter += 1;
      const at = options.now();
      const transactionId = `txn_${String(eventCounter).padStart(8, '0')}`;
      invoice.status = 'paid';
      invoice.transaction_id = transactionId;
      const rawBody = Buffer.from(
        stringifyExactJson({
          id: `evt_${String(eventCounter).padStart(8, '0')}`,
          type: 'transaction.create',
          created_at: at.toISOString(),
          data: {
            id: transactionId,
            status: 'completed',
            direction: 'inbound',
            amount: JsonNumber.unsafe(invoice.amount),
            currency: invoice.currency,
            invoice_public_id: invoice.public_id,
            reference: invoice.reference,
            completed_at: at.toISOString(),
          },
        }),
      );
      return {
        rawBody,
        headers: signIncardWebhook({
          rawBody,
          secret: options.webhookSecret ?? 'whsec_test',
          timestamp: at,
          eventId: `evt_${String(eventCounter).padStart(8, '0')}`,
        }),
      };
    },
    close: () => server.close(),
  };
};

export const paymentLink = (invoice: Pick<IncardStoredInvoice, 'public_id'>): string =>
  `https://send.incard.com/invoices/${invoice.public_id}`;
