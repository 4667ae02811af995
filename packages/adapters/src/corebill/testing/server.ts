import { randomBytes } from 'node:crypto';

import { currencyExponent, CurrencyCode } from '@accrue/domain';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../../providers/exactJson.js';
import type { LoopbackRequest, LoopbackResponse, LoopbackServer } from '../../providers/testing/loopback.js';
import { bearerToken, startLoopbackServer } from '../../providers/testing/loopback.js';
import type { SignedCorebillWebhook } from './signing.js';
import { signCorebillWebhook } from './signing.js';

/**
 * A loopback Corebill (`/v1`) that follows its docs (providers.md §5, ADR 16):
 *
 * - `Authorization: Bearer sk_…` (401 otherwise); every call needs `?company_id=` of the key's company (400
 *   `company_id query parameter is required`, 403 for another company); permission levels read (GET), write (+ POST,
 *   PATCH), admin (+ DELETE). Errors are `{"error": "…"}`.
 * - `POST /invoices` takes `line_items[] {item_name, description, quantity, unit, unit_price}` and refuses unknown
 *   fields (the `items[] {name}` shape of the older doc site among them). It computes the totals itself in major
 *   units: unit prices stored at the scale, line = quantity × unit price, subtotal, discount (percentage or fixed),
 *   tax = `tax_rate` % of the discounted amount, each rounded half up to the scale — two decimals, or the currency's
 *   own with `roundingScale: 'currency'` (the docs do not say which).
 * - Numbers `{PREFIX}-{YEAR}-{6 digits}`; list with cursor paging (`limit` 1–100, `starting_after`, newest first,
 *   `{object, url, data, has_more, next_cursor}`); send (draft → sent); payments (`POST /invoices/{id}/payments`,
 *   our assumed path; at most the amount due; → partial / paid); `PATCH` (after draft only notes, payment_terms and
 *   status: `cancelled`).
 * - Every change emits the signed webhook Corebill would send (`webhooks()`).
 */

export interface CorebillTestKey {
  readonly key: string;
  readonly companyId: string;
  /** Default `admin`. */
  readonly permission?: 'read' | 'write' | 'admin';
}

export interface CorebillServerOptions {
  readonly keys: ReadonlyArray<CorebillTestKey>;
  /** Customer ids that exist (in every company). */
  readonly customers: ReadonlyArray<string>;
  /** Decimal places Corebill rounds and stores amounts to; default two. */
  readonly roundingScale?: 'two_decimals' | 'currency';
  readonly invoicePrefix?: string;
  readonly webhookSecret?: string;
  readonly now?: () => Date;
}

export interface CorebillStoredLine {
  readonly id: string;
  readonly itemName: string;
  readonly description: string | null;
  readonly quantity: string;
  readonly unit: string | null;
  /** In units of 10^-scale. */
  readonly unitPrice: bigint;
  readonly amount: bigint;
}

export interface CorebillStoredPayment {
  readonly id: string;
  /** In units of 10^-scale. */
  readonly amount: bigint;
  readonly paymentDate: string;
  readonly paymentMethod: string;
  readonly reference: string | null;
  readonly notes: string | null;
}

export interface CorebillStoredInvoice {
  readonly id: string;
  readonly companyId: string;
  readonly invoiceNumber: string;
  status: string;
  readonly customerId: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly currency: string;
  notes: string | null;
  paymentTerms: string | null;
  /** Decimal places of every amount below. */
  readonly scale: number;
  readonly taxRate: string;
  readonly discountType: 'percentage' | 'fixed' | null;
  readonly discountValue: string | null;
  readonly lines: ReadonlyArray<CorebillStoredLine>;
  readonly subtotal: bigint;
  readonly discountAmount: bigint;
  readonly taxAmount: bigint;
  readonly total: bigint;
  readonly payments: CorebillStoredPayment[];
  readonly createdAt: string;
  updatedAt: string;
}

export interface CorebillTestServer {
  readonly server: LoopbackServer;
  /** `<loopback url>/v1` */
  readonly baseUrl: string;
  readonly invoices: () => ReadonlyArray<CorebillStoredInvoice>;
  /** Every webhook the server sent, oldest first. */
  readonly webhooks: () => ReadonlyArray<{ readonly event: string } & SignedCorebillWebhook>;
  /** The customer opens the invoice (`viewed`), as Corebill's public page would report. */
  readonly view: (id: string) => SignedCorebillWebhook;
  readonly close: () => Promise<void>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INVOICE_FIELDS = new Set([
  'customer_id',
  'issue_date',
  'due_date',
  'currency',
  'notes',
  'payment_terms',
  'tax_rate',
  'tax_label',
  'discount_type',
  'discount_value',
  'line_items',
]);
const LINE_FIELDS = new Set(['item_name', 'description', 'quantity', 'unit', 'unit_price']);
const EDITABLE_FIELDS = new Set(['notes', 'payment_terms', 'status']);
const PAYMENT_FIELDS = new Set(['amount', 'payment_date', 'payment_method', 'reference', 'notes']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);

class BadRequest extends Error {}

/** An exact decimal: coefficient × 10^-scale. */
interface Exact {
  readonly c: bigint;
  readonly s: number;
}

const exact = (value: JsonNumber): Exact => {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(value.text);
  if (match === null) throw new BadRequest('invalid number');
  const fraction = match[3] ?? '';
  const c = BigInt(`${match[1] ?? ''}${match[2] ?? '0'}${fraction}`);
  const s = fraction.length - Number(match[4] ?? '0');
  return s >= 0 ? { c, s } : { c: c * 10n ** BigInt(-s), s: 0 };
};

/** Rounds to `scale` decimals, half up (toward +∞ on a tie), as units of 10^-scale. */
const atScale = (value: Exact, scale: number): bigint => {
  if (value.s <= scale) return value.c * 10n ** BigInt(scale - value.s);
  const d = 10n ** BigInt(value.s - scale);
  const twice = 2n * value.c + d;
  const q = twice / (2n * d);
  return twice % (2n * d) !== 0n && twice < 0n ? q - 1n : q;
};

const render = (units: bigint, scale: number): JsonNumber => {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return JsonNumber.unsafe(`${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`);
};

const isDate = (text: unknown): text is string =>
  typeof text === 'string' && DATE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

const token = (value: unknown, field: string): JsonNumber => {
  if (!(value instanceof JsonNumber)) throw new BadRequest(`${field} must be a number`);
  return value;
};

const number = (value: unknown, field: string): Exact => exact(token(value, field));

const optionalString = (value: unknown, field: string): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new BadRequest(`${field} must be a string`);
  return value;
};

export const startCorebillServer = async (options: CorebillServerOptions): Promise<CorebillTestServer> => {
  const now = options.now ?? (() => new Date());
  const prefix = options.invoicePrefix ?? 'INV';
  const secret = options.webhookSecret ?? 'whsec_corebill_test';
  const invoices: CorebillStoredInvoice[] = [];
  const webhooks: Array<{ readonly event: string } & SignedCorebillWebhook> = [];
  const counters = new Map<string, number>();
  const id = (kind: string) => `${kind}_${randomBytes(8).toString('hex')}`;

  const json = (status: number, value: unknown): LoopbackResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: stringifyExactJson(value),
  });
  const error = (status: number, message: string) => json(status, { error: message });

  const scaleFor = (currency: string): number => {
    if (options.roundingScale !== 'currency') return 2;
    const code = CurrencyCode.decode(currency);
    return code._tag === 'Right' ? currencyExponent(code.right) : 2;
  };

  const paymentObject = (invoice: CorebillStoredInvoice, payment: CorebillStoredPayment): Json => ({
    id: payment.id,
    amount: render(payment.amount, invoice.scale),
    payment_date: payment.paymentDate,
    payment_method: payment.paymentMethod,
    reference: payment.reference,
    notes: payment.notes,
  });

  const paid = (invoice: CorebillStoredInvoice) => invoice.payments.reduce((sum, p) => sum + p.amount, 0n);

  const object = (invoice: CorebillStoredInvoice): Json => ({
    id: invoice.id,
    object: 'invoice',
    company_id: invoice.companyId,
    customer_id: invoice.customerId,
    invoice_number: invoice.invoiceNumber,
    status: invoice.status,
    issue_date: invoice.issueDate,
    due_date: invoice.dueDate,
    currency: invoice.currency,
    notes: invoice.notes,
    payment_terms: invoice.paymentTerms,
    tax_rate: JsonNumber.unsafe(invoice.taxRate),
    discount_type: invoice.discountType,
    discount_value: invoice.discountValue === null ? null : JsonNumber.unsafe(invoice.discountValue),
    subtotal: render(invoice.subtotal, invoice.scale),
    discount_amount: render(invoice.discountAmount, invoice.scale),
    tax_amount: render(invoice.taxAmount, invoice.scale),
    total: render(invoice.total, invoice.scale),
    amount_paid: render(paid(invoice), invoice.scale),
    amount_due: render(invoice.total - paid(invoice), invoice.scale),
    line_items: invoice.lines.map((line) => ({
      id: line.id,
      item_name: line.itemName,
      description: line.description,
      quantity: JsonNumber.unsafe(line.quantity),
      unit: line.unit,
      unit_price: render(line.unitPrice, invoice.scale),
      amount: render(line.amount, invoice.scale),
    })),
    payments: invoice.payments.map((payment) => paymentObject(invoice, payment)),
    public_token: `pub_${invoice.id.slice(4)}`,
    created_at: invoice.createdAt,
    updated_at: invoice.updatedAt,
  });

  const emit = (event: string, data: Json): SignedCorebillWebhook => {
    const signed = signCorebillWebhook(
      { id: id('evt'), event, created_at: now().toISOString(), webhook_id: 'wh_test', data, metadata: {} },
      secret,
    );
    webhooks.push({ event, ...signed });
    return signed;
  };

  const body = (request: LoopbackRequest, allowed: ReadonlySet<string>): Json => {
    const parsed = parseExactJson(request.rawBody.toString('utf8'));
    if (parsed._tag === 'Left' || !isObject(parsed.right))
      throw new BadRequest('Request body must be a JSON object');
    for (const field of Object.keys(parsed.right)) {
      if (!allowed.has(field)) throw new BadRequest(`Unknown field: ${field}`);
    }
    return parsed.right;
  };

  const create = (request: LoopbackRequest, companyId: string): LoopbackResponse => {
    const input = body(request, INVOICE_FIELDS);
    const customerId = input['customer_id'];
    if (typeof customerId !== 'string') throw new BadRequest('customer_id is required');
    if (!options.customers.includes(customerId)) return error(404, 'Customer not found');
    const today = now().toISOString().slice(0, 10);
    const issueDate = input['issue_date'] ?? today;
    if (!isDate(issueDate)) throw new BadRequest('issue_date must be a date (YYYY-MM-DD)');
    const dueDate =
      input['due_date'] ??
      new Date(Date.parse(`${issueDate}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    if (!isDate(dueDate)) throw new BadRequest('due_date must be a date (YYYY-MM-DD)');
    const currency = input['currency'] ?? 'USD';
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
      throw new BadRequest('Invalid currency');
    const scale = scaleFor(currency);
    const rate = input['tax_rate'] === undefined ? { c: 0n, s: 0 } : number(input['tax_rate'], 'tax_rate');
    if (rate.c < 0n || rate.c > 100n * 10n ** BigInt(rate.s)) throw new BadRequest('tax_rate must be 0–100');
    const items = input['line_items'];
    if (!Array.isArray(items) || items.length === 0) throw new BadRequest('line_items is required');
    const lines = items.map((item: unknown, i): CorebillStoredLine => {
      if (!isObject(item)) throw new BadRequest(`line_items[${i}] must be an object`);
      for (const field of Object.keys(item)) {
        if (!LINE_FIELDS.has(field)) throw new BadRequest(`Unknown field: line_items[${i}].${field}`);
      }
      const name = item['item_name'];
      if (typeof name !== 'string' || name === '')
        throw new BadRequest(`line_items[${i}].item_name is required`);
      const quantityToken = token(item['quantity'], `line_items[${i}].quantity`);
      const quantity = exact(quantityToken);
      if (quantity.c <= 0n) throw new BadRequest(`line_items[${i}].quantity must be positive`);
      // The unit price is stored at the scale, then multiplied.
      const unitPrice = atScale(number(item['unit_price'], `line_items[${i}].unit_price`), scale);
      return {
        id: id('li'),
        itemName: name,
        description: optionalString(item['description'], `line_items[${i}].description`),
        quantity: quantityToken.text,
        unit: optionalString(item['unit'], `line_items[${i}].unit`),
        unitPrice,
        amount: atScale({ c: quantity.c * unitPrice, s: quantity.s + scale }, scale),
      };
    });
    const subtotal = lines.reduce((sum, line) => sum + line.amount, 0n);
    const discountType = input['discount_type'] ?? null;
    if (discountType !== null && discountType !== 'percentage' && discountType !== 'fixed') {
      throw new BadRequest('discount_type must be percentage or fixed');
    }
    const discountToken =
      input['discount_value'] === undefined || input['discount_value'] === null
        ? undefined
        : token(input['discount_value'], 'discount_value');
    const discountValue = discountToken === undefined ? undefined : exact(discountToken);
    const discountAmount =
      discountType === null || discountValue === undefined
        ? 0n
        : discountType === 'fixed'
          ? atScale(discountValue, scale)
          : atScale({ c: subtotal * discountValue.c, s: scale + discountValue.s + 2 }, scale);
    const taxable = subtotal - discountAmount;
    const taxAmount = atScale({ c: taxable * rate.c, s: scale + rate.s + 2 }, scale);
    const year = issueDate.slice(0, 4);
    const counter = (counters.get(companyId) ?? 0) + 1;
    counters.set(companyId, counter);
    const timestamp = now().toISOString();
    const invoice: CorebillStoredInvoice = {
      id: id('inv'),
      companyId,
      invoiceNumber: `${prefix}-${year}-${String(counter).padStart(6, '0')}`,
      status: 'draft',
      customerId,
      issueDate,
      dueDate,
      currency,
      notes: optionalString(input['notes'], 'notes'),
      paymentTerms: optionalString(input['payment_terms'], 'payment_terms'),
      scale,
      taxRate: input['tax_rate'] instanceof JsonNumber ? input['tax_rate'].text : '0',
      discountType,
      discountValue: discountToken?.text ?? null,
      lines,
      subtotal,
      discountAmount,
      taxAmount,
      total: taxable + taxAmount,
      payments: [],
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    invoices.push(invoice);
    emit('invoice.created', object(invoice));
    return json(201, object(invoice));
  };

  const list = (request: LoopbackRequest, companyId: string): LoopbackResponse => {
    const limitText = request.query.get('limit') ?? '10';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100)
      throw new BadRequest('limit must be between 1 and 100');
    const status = request.query.get('status');
    const all = invoices
      .filter((invoice) => invoice.companyId === companyId && (status === null || invoice.status === status))
      .reverse();
    const after = request.query.get('starting_after');
    let start = 0;
    if (after !== null) {
      const index = all.findIndex((invoice) => invoice.id === after);
      if (index < 0) throw new BadRequest('Invalid cursor');
      start = index + 1;
    }
    const page = all.slice(start, start + limit);
    const hasMore = start + limit < all.length;
    return json(200, {
      object: 'list',
      url: '/v1/invoices',
      data: page.map(object),
      has_more: hasMore,
      next_cursor: hasMore ? (page.at(-1)?.id ?? null) : null,
    });
  };

  const handler = (request: LoopbackRequest): LoopbackResponse => {
    try {
      if (!request.path.startsWith('/v1/')) return error(404, 'Not found');
      const token = bearerToken(request);
      const key = options.keys.find((entry) => entry.key === token);
      if (key === undefined) return error(401, 'Invalid API key');
      const companyId = request.query.get('company_id');
      if (companyId === null || companyId === '') return error(400, 'company_id query parameter is required');
      if (companyId !== key.companyId) return error(403, 'This API key does not have access to this company');
      const permission = key.permission ?? 'admin';
      const needs = request.method === 'GET' ? 'read' : request.method === 'DELETE' ? 'admin' : 'write';
      const levels = { read: 0, write: 1, admin: 2 };
      if (levels[permission] < levels[needs]) return error(403, 'Insufficient permissions');

      const path = request.path.slice('/v1'.length);
      if (path === '/invoices' && request.method === 'POST') return create(request, companyId);
      if (path === '/invoices' && request.method === 'GET') return list(request, companyId);
      const match = /^\/invoices\/([^/]+)(\/send|\/payments)?$/.exec(path);
      const invoice =
        match?.[1] === undefined
          ? undefined
          : invoices.find(
              (entry) => entry.id === decodeURIComponent(match[1] ?? '') && entry.companyId === companyId,
            );
      if (match === null) return error(404, 'Not found');
      if (invoice === undefined) return error(404, 'Invoice not found');
      const action = match[2];
      const timestamp = now().toISOString();

      if (action === undefined && request.method === 'GET') return json(200, object(invoice));
      if (action === '/send' && request.method === 'POST') {
        if (invoice.status !== 'draft') throw new BadRequest('Only draft invoices can be sent');
        invoice.status = 'sent';
        invoice.updatedAt = timestamp;
        emit('invoice.sent', object(invoice));
        return json(200, object(invoice));
      }
      if (action === '/payments' && request.method === 'POST') {
        const input = body(request, PAYMENT_FIELDS);
        if (['cancelled', 'refunded', 'paid'].includes(invoice.status)) {
          throw new BadRequest(`Cannot record a payment on a ${invoice.status} invoice`);
        }
        const amount = atScale(number(input['amount'], 'amount'), invoice.scale);
        if (amount <= 0n) throw new BadRequest('amount must be positive');
        if (amount > invoice.total - paid(invoice))
          throw new BadRequest('Payment amount exceeds the amount due');
        const paymentDate = input['payment_date'];
        if (!isDate(paymentDate)) throw new BadRequest('payment_date must be a date (YYYY-MM-DD)');
        const payment: CorebillStoredPayment = {
          id: id('pay'),
          amount,
          paymentDate,
          paymentMethod: optionalString(input['payment_method'], 'payment_method') ?? 'other',
          reference: optionalString(input['reference'], 'reference'),
          notes: optionalString(input['notes'], 'notes'),
        };
        invoice.payments.push(payment);
        invoice.status = paid(invoice) >= invoice.total ? 'paid' : 'partial';
        invoice.updatedAt = timestamp;
        emit(invoice.status === 'paid' ? 'invoice.paid' : 'invoice.payment_recorded', {
          ...object(invoice),
          payment: paymentObject(invoice, payment),
        });
        return json(201, object(invoice));
      }
      if (action === undefined && request.method === 'PATCH') {
        const input = body(request, new Set([...INVOICE_FIELDS, 'status']));
        // Corebill lets drafts change more; this server models only what stays editable after draft.
        for (const field of Object.keys(input)) {
          if (!EDITABLE_FIELDS.has(field)) {
            throw new BadRequest(
              'Only notes, payment_terms and status can be updated after the invoice leaves draft',
            );
          }
        }
        if (input['notes'] !== undefined) invoice.notes = optionalString(input['notes'], 'notes');
        if (input['payment_terms'] !== undefined) {
          invoice.paymentTerms = optionalString(input['payment_terms'], 'payment_terms');
        }
        if (input['status'] !== undefined) {
          if (input['status'] !== 'cancelled') throw new BadRequest('status can only be set to cancelled');
          invoice.status = 'cancelled';
          emit('invoice.cancelled', object(invoice));
        }
        invoice.updatedAt = timestamp;
        return json(200, object(invoice));
      }
      return error(404, 'Not found');
    } catch (failure) {
      if (failure instanceof BadRequest) return error(400, failure.message);
      throw failure;
    }
  };

  const server = await startLoopbackServer({
    handler,
    errorBody: (_status, message) => ({ error: message }),
  });

  return {
    server,
    baseUrl: `${server.url}/v1`,
    invoices: () => invoices,
    webhooks: () => webhooks,
    view: (invoiceId) => {
      const invoice = invoices.find((entry) => entry.id === invoiceId);
      if (invoice === undefined) throw new Error(`no invoice ${invoiceId}`);
      invoice.status = 'viewed';
      return emit('invoice.updated', object(invoice));
    },
    close: () => server.close(),
  };
};
