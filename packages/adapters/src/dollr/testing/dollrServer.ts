import type { Decimal } from '@accrue/domain';
import { CurrencyCode, ZERO, currencyExponent, parseDecimal, toScaledInteger } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../../providers/exactJson.js';
import type { LoopbackRequest, LoopbackResponse, LoopbackServer } from '../../providers/testing/loopback.js';
import { bearerToken, startLoopbackServer } from '../../providers/testing/loopback.js';

/**
 * A loopback Dollr Open API for tests (docs.heydollr.app, repo `dollr_api_docs`):
 *
 * - `POST /v1/jwt/client/obtain/token {client_id, client_secret}` → `{access_token, expires_in}` in minutes;
 *   an expired or unknown token gets 401 `{"detail":"Could not validate credentials"}`; an unverified merchant
 *   gets 403;
 * - invoices follow the documented state machine: created `IDLE`; items added only while `IDLE`; published
 *   only from `IDLE` (and, here, only with at least one item) to `ACTIVE`; then `PROCESSING` and `PAID` (the
 *   `markPaid` test control stands in for a checkout); `CANCELED` from `IDLE` or `ACTIVE`, for good;
 * - bodies are validated FastAPI-style (422 `{"detail":[{loc, msg, type}]}`); amounts must be JSON numbers
 *   with at most 2 decimals ("min 0.01 for decimals, 1 for integers"; whole units for zero-decimal
 *   currencies); `total_amount` is Σ qty × amount, computed exactly;
 * - nothing refuses a repeated `reference_id` (Dollr documents no such check): duplicates show in `invoices()`.
 *
 * Amounts are kept as decimal text; nothing here goes through a JS `number`.
 */

export interface DollrTestServerOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly now: () => Date;
  readonly counterpartyIds: ReadonlyArray<number>;
  /** JWT lifetime as `expires_in`, in minutes (default 60). */
  readonly tokenMinutes?: number;
  /** An unverified merchant gets 403 on invoice endpoints (default true). */
  readonly verified?: boolean;
  /** Leave `items` out of `retrieve` answers (the docs do not show whether Dollr includes them). */
  readonly retrieveOmitsItems?: boolean;
}

export interface DollrStoredItem {
  readonly id: number;
  readonly name: string;
  readonly currency: string;
  readonly qty: number;
  /** Unit price as received, major units. */
  readonly amount: string;
}

export type DollrStatus = 'IDLE' | 'ACTIVE' | 'PROCESSING' | 'PAID' | 'CANCELED';

export interface DollrStoredInvoice {
  readonly id: number;
  readonly invoice_number: string;
  readonly counterparty_id: number;
  readonly currency: string;
  readonly note: string;
  readonly fee_bearer: 'PAYER' | 'PAYEE';
  readonly as_payment_link: boolean;
  readonly reference_id: string | null;
  readonly due_date: string | null;
  readonly created_at: string;
  status: DollrStatus;
  paid_at: string | null;
  updated_at: string;
  readonly items: DollrStoredItem[];
}

export interface DollrTestServer {
  readonly server: LoopbackServer;
  readonly url: string;
  readonly invoices: () => ReadonlyArray<DollrStoredInvoice>;
  /** Σ qty × amount as exact decimal text (what `total_amount` says). */
  readonly totalOf: (invoice: DollrStoredInvoice) => string;
  readonly expireTokens: () => void;
  /** The customer pays through checkout: ACTIVE → PROCESSING → PAID at `now`. */
  readonly markPaid: (id: number) => void;
  /** The payment is under way: ACTIVE → PROCESSING. */
  readonly markProcessing: (id: number) => void;
  readonly close: () => Promise<void>;
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);

const json = (status: number, value: unknown): LoopbackResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: stringifyExactJson(value),
});

const detail = (status: number, message: string) => json(status, { detail: message });

interface ValidationError {
  readonly loc: ReadonlyArray<string>;
  readonly msg: string;
  readonly type: string;
}

const unprocessable = (errors: ReadonlyArray<ValidationError>) => json(422, { detail: errors });

const decimalOf = (value: unknown): Decimal | undefined => {
  if (!(value instanceof JsonNumber)) return undefined;
  const parsed = parseDecimal(value.text);
  return E.isRight(parsed) ? parsed.right : undefined;
};

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const startDollrTestServer = async (options: DollrTestServerOptions): Promise<DollrTestServer> => {
  const tokens = new Map<string, number>();
  const invoices: DollrStoredInvoice[] = [];
  let tokenCounter = 0;
  let itemCounter = 0;

  const totalOf = (invoice: DollrStoredInvoice): string =>
    invoice.items
      .reduce((sum, item) => {
        const amount = parseDecimal(item.amount);
        return E.isRight(amount) ? sum.plus(amount.right.times(String(item.qty))) : sum;
      }, ZERO)
      .toFixed();

  const view = (invoice: DollrStoredInvoice, withItems: boolean) => ({
    id: invoice.id,
    invoice_number: invoice.invoice_number,
    counterparty_id: invoice.counterparty_id,
    currency: invoice.currency,
    total_amount: JsonNumber.unsafe(totalOf(invoice)),
    status: invoice.status,
    note: invoice.note,
    fee_bearer: invoice.fee_bearer,
    due_date: invoice.due_date,
    as_payment_link: invoice.as_payment_link,
    owner_id: 7,
    owner_type: 'MERCHANT',
    created_at: invoice.created_at,
    updated_at: invoice.updated_at,
    reference_id: invoice.reference_id,
    paid_at: invoice.paid_at,
    ...(withItems
      ? {
          items: invoice.items.map((item) => ({
            id: item.id,
            invoice_id: invoice.id,
            name: item.name,
            currency: item.currency,
            qty: item.qty,
            amount: JsonNumber.unsafe(item.amount),
          })),
        }
      : {}),
  });

  const body = (request: LoopbackRequest): Fields | undefined => {
    const parsed = parseExactJson(request.rawBody.toString('utf8'));
    return E.isRight(parsed) && isObject(parsed.right) ? parsed.right : undefined;
  };

  const issueToken = (request: LoopbackRequest): LoopbackResponse => {
    const fields = body(request);
    if (fields === undefined)
      return unprocessable([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }]);
    if (fields['client_id'] !== options.clientId || fields['client_secret'] !== options.clientSecret)
      return detail(401, 'Invalid client credentials');
    tokenCounter += 1;
    const minutes = options.tokenMinutes ?? 60;
    const token = `dollr-jwt-${tokenCounter}`;
    tokens.set(token, options.now().getTime() + minutes * 60_000);
    return json(200, { access_token: token, token_type: 'bearer', expires_in: minutes });
  };

  const authorize = (request: LoopbackRequest): LoopbackResponse | undefined => {
    const token = bearerToken(request);
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || expiresAt <= options.now().getTime())
      return detail(401, 'Could not validate credentials');
    if (options.verified === false) return detail(403, 'Merchant account is not verified');
    return undefined;
  };

  const touch = (invoice: DollrStoredInvoice) => {
    invoice.updated_at = options.now().toISOString();
  };

  const create = (request: LoopbackRequest): LoopbackResponse => {
    const fields = body(request);
    if (fields === undefined)
      return unprocessable([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }]);
    const errors: ValidationError[] = [];
    const missing = (name: string) =>
      errors.push({ loc: ['body', name], msg: 'field required', type: 'value_error.missing' });
    const counterparty = fields['counterparty_id'];
    const counterpartyId =
      counterparty instanceof JsonNumber && /^[1-9][0-9]{0,9}$/.test(counterparty.text)
        ? Number(counterparty.text)
        : undefined;
    if (counterparty === undefined) missing('counterparty_id');
    else if (counterpartyId === undefined)
      errors.push({
        loc: ['body', 'counterparty_id'],
        msg: 'value is not a valid integer',
        type: 'type_error.integer',
      });
    const currency = fields['currency'];
    if (currency === undefined) missing('currency');
    else if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || !CurrencyCode.is(currency))
      errors.push({ loc: ['body', 'currency'], msg: 'invalid ISO-4217 currency code', type: 'value_error' });
    const note = fields['note'];
    if (note === undefined) missing('note');
    else if (typeof note !== 'string')
      errors.push({ loc: ['body', 'note'], msg: 'str type expected', type: 'type_error.str' });
    const feeBearer = fields['fee_bearer'];
    if (feeBearer === undefined) missing('fee_bearer');
    else if (feeBearer !== 'PAYER' && feeBearer !== 'PAYEE')
      errors.push({
        loc: ['body', 'fee_bearer'],
        msg: "value is not a valid enumeration member; permitted: 'PAYER', 'PAYEE'",
        type: 'type_error.enum',
      });
    const asPaymentLink = fields['as_payment_link'];
    if (asPaymentLink === undefined) missing('as_payment_link');
    else if (typeof asPaymentLink !== 'boolean')
      errors.push({
        loc: ['body', 'as_payment_link'],
        msg: 'value could not be parsed to a boolean',
        type: 'type_error.bool',
      });
    const referenceId = fields['reference_id'];
    if (referenceId !== undefined && referenceId !== null && typeof referenceId !== 'string')
      errors.push({ loc: ['body', 'reference_id'], msg: 'str type expected', type: 'type_error.str' });
    const dueDate = fields['due_date'];
    if (
      dueDate !== undefined &&
      dueDate !== null &&
      (typeof dueDate !== 'string' || !ISO_DATETIME.test(dueDate))
    )
      errors.push({
        loc: ['body', 'due_date'],
        msg: 'invalid datetime format',
        type: 'value_error.datetime',
      });
    if (errors.length > 0) return unprocessable(errors);
    if (counterpartyId === undefined || !options.counterpartyIds.includes(counterpartyId))
      return detail(404, 'Counterparty not found');
    const id = invoices.length + 1;
    const at = options.now().toISOString();
    const invoice: DollrStoredInvoice = {
      id,
      invoice_number: `DLR-${String(id).padStart(6, '0')}`,
      counterparty_id: counterpartyId,
      currency: typeof currency === 'string' ? currency : '',
      note: typeof note === 'string' ? note : '',
      fee_bearer: feeBearer === 'PAYER' ? 'PAYER' : 'PAYEE',
      as_payment_link: asPaymentLink === true,
      reference_id: typeof referenceId === 'string' ? referenceId : null,
      due_date: typeof dueDate === 'string' ? dueDate : null,
      created_at: at,
      updated_at: at,
      status: 'IDLE',
      paid_at: null,
      items: [],
    };
    invoices.push(invoice);
    return json(200, view(invoice, false));
  };

  const addItem = (invoice: DollrStoredInvoice, request: LoopbackRequest): LoopbackResponse => {
    const fields = body(request);
    if (fields === undefined)
      return unprocessable([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }]);
    const errors: ValidationError[] = [];
    const name = fields['name'];
    if (typeof name !== 'string' || name === '')
      errors.push({ loc: ['body', 'name'], msg: 'field required', type: 'value_error.missing' });
    const currency = fields['currency'];
    if (typeof currency !== 'string' || currency !== invoice.currency)
      errors.push({
        loc: ['body', 'currency'],
        msg: `must be the invoice currency ${invoice.currency}`,
        type: 'value_error',
      });
    const qty = fields['qty'];
    const qtyValue =
      qty instanceof JsonNumber && /^[1-9][0-9]{0,6}$/.test(qty.text) ? Number(qty.text) : undefined;
    if (qtyValue === undefined)
      errors.push({
        loc: ['body', 'qty'],
        msg: 'ensure this value is an integer greater than or equal to 1',
        type: 'value_error.number.not_ge',
      });
    const amount = decimalOf(fields['amount']);
    const exponent = CurrencyCode.is(invoice.currency) ? Math.min(2, currencyExponent(invoice.currency)) : 2;
    const minimum = exponent === 0 ? '1' : '0.01';
    if (amount === undefined) {
      errors.push({
        loc: ['body', 'amount'],
        msg: 'value is not a valid decimal',
        type: 'type_error.decimal',
      });
    } else if (toScaledInteger(amount).scale > exponent) {
      errors.push({
        loc: ['body', 'amount'],
        msg: `ensure that there are no more than ${exponent} decimal places`,
        type: 'value_error.decimal.max_places',
      });
    } else if (amount.lt(minimum)) {
      errors.push({
        loc: ['body', 'amount'],
        msg: `ensure this value is greater than or equal to ${minimum}`,
        type: 'value_error.number.not_ge',
      });
    }
    if (errors.length > 0 || typeof name !== 'string' || qtyValue === undefined || amount === undefined)
      return unprocessable(errors);
    if (invoice.status !== 'IDLE')
      return detail(400, `Items can only be added to IDLE invoices (invoice is ${invoice.status})`);
    itemCounter += 1;
    const item: DollrStoredItem = {
      id: itemCounter,
      name,
      currency: invoice.currency,
      qty: qtyValue,
      amount: amount.toFixed(),
    };
    invoice.items.push(item);
    touch(invoice);
    return json(200, { ...item, invoice_id: invoice.id, amount: JsonNumber.unsafe(item.amount) });
  };

  const handler = (request: LoopbackRequest): LoopbackResponse => {
    const { method, path } = request;
    if (method === 'POST' && path === '/v1/jwt/client/obtain/token') return issueToken(request);
    if (!path.startsWith('/v1/')) return detail(404, 'Not Found');
    const refused = authorize(request);
    if (refused !== undefined) return refused;
    if (method === 'POST' && path === '/v1/invoices/create') return create(request);
    if (method === 'GET' && path === '/v1/invoices/list') {
      const currency = request.query.get('currency');
      const status = request.query.get('status');
      return json(
        200,
        invoices
          .filter((invoice) => (currency === null || currency === '' ? true : invoice.currency === currency))
          .filter((invoice) => (status === null || status === '' ? true : invoice.status === status))
          .map((invoice) => view(invoice, false)),
      );
    }
    if (method === 'GET' && path === '/v1/status/source') {
      const id = Number(request.query.get('source_id'));
      const invoice =
        request.query.get('source_type') === 'INVOICE'
          ? invoices.find((entry) => entry.id === id)
          : undefined;
      return invoice === undefined
        ? detail(404, 'Source not found')
        : json(200, { source_type: 'INVOICE', source_id: invoice.id, status: invoice.status });
    }
    const route =
      /^\/v1\/invoices\/(?:retrieve|publish|cancel)\/(\d+)$/.exec(path) ??
      /^\/v1\/invoices\/(\d+)\/items\/add$/.exec(path);
    const invoice = route === null ? undefined : invoices.find((entry) => entry.id === Number(route[1]));
    if (route === null) return detail(404, 'Not Found');
    if (invoice === undefined) return detail(404, 'Invoice not found');
    if (method === 'GET' && path.startsWith('/v1/invoices/retrieve/'))
      return json(200, view(invoice, options.retrieveOmitsItems !== true));
    if (method === 'POST' && path.endsWith('/items/add')) return addItem(invoice, request);
    if (method === 'PUT' && path.startsWith('/v1/invoices/publish/')) {
      if (invoice.status !== 'IDLE')
        return detail(400, `Only IDLE invoices can be published (invoice is ${invoice.status})`);
      if (invoice.items.length === 0) return detail(400, 'Add at least one item before publishing');
      invoice.status = 'ACTIVE';
      touch(invoice);
      return json(200, view(invoice, false));
    }
    if (method === 'DELETE' && path.startsWith('/v1/invoices/cancel/')) {
      if (invoice.status !== 'IDLE' && invoice.status !== 'ACTIVE')
        return detail(400, `Invoice cannot be canceled (invoice is ${invoice.status})`);
      invoice.status = 'CANCELED';
      touch(invoice);
      return json(200, view(invoice, false));
    }
    return detail(405, 'Method Not Allowed');
  };

  const server = await startLoopbackServer({
    handler,
    errorBody: (status, message) => ({ detail: `${message} (${status})` }),
    expireTokens: () => {
      tokens.clear();
    },
  });

  const find = (id: number): DollrStoredInvoice => {
    const invoice = invoices.find((entry) => entry.id === id);
    if (invoice === undefined) throw new Error(`no Dollr invoice ${id}`);
    return invoice;
  };

  return {
    server,
    url: server.url,
    invoices: () => invoices,
    totalOf,
    expireTokens: () => {
      tokens.clear();
    },
    markProcessing: (id) => {
      const invoice = find(id);
      if (invoice.status !== 'ACTIVE') throw new Error(`invoice ${id} is ${invoice.status}, not ACTIVE`);
      invoice.status = 'PROCESSING';
      touch(invoice);
    },
    markPaid: (id) => {
      const invoice = find(id);
      if (invoice.status !== 'ACTIVE' && invoice.status !== 'PROCESSING')
        throw new Error(`invoice ${id} is ${invoice.status}, not payable`);
      invoice.status = 'PAID';
      invoice.paid_at = options.now().toISOString();
      touch(invoice);
    },
    close: () => server.close(),
  };
};
