import { randomUUID } from 'node:crypto';

import { currencyExponent, CurrencyCode as CurrencyCodec } from '@accrue/domain';

import { JsonNumber, parseExactJson, stringifyExactJson } from '../../providers/exactJson.js';
import type { LoopbackRequest, LoopbackResponse, LoopbackServer } from '../../providers/testing/loopback.js';
import { startLoopbackServer } from '../../providers/testing/loopback.js';
import type { SignedInvoroWebhook } from './signing.js';
import { signInvoroWebhook } from './signing.js';

/**
 * A loopback Invoro (`/invoice-api`) that follows what its docs say (providers.md §3, ADR 15):
 *
 * - API keys `ak_live_…`/`ak_test_…` as `Authorization: Bearer` or `X-Api-Key`; scopes per key; 401
 *   `Unauthenticated.`, 403 for a missing scope, with `{success:false, data:null, message, errors}`.
 * - `X-RateLimit-Limit/-Remaining/-Reset` (epoch seconds) on every authenticated answer; 429 past the limit per
 *   key and second of the injected clock.
 * - `POST /invoices` creates a draft from the UBL-shaped JSON. Amounts and `price` must be integer cents, dates
 *   date-times. With `calculate_totals: false` the document must add up: each line is
 *   `round(quantity × price ÷ base_quantity)` (half up, like the XPath `round()` of the Peppol validators) less its
 *   allowances plus its charges, and the line, allowance, charge, VAT and payable totals must follow; each VAT
 *   group's tax must be `round(taxable × rate)` within one minor unit of the currency. Otherwise 422 with `errors`.
 * - `GET /invoices` (paginated `meta`, optional `invoice_number` filter), `GET /invoices/{id}`, `POST …/send`
 *   (draft/approved/failed → `sending`; 422 otherwise), `DELETE /invoices/{id}` (soft delete, drafts only); deleted
 *   invoices answer 404 `Invoice not found`.
 * - Test controls: `processQueue` (sending → sent), `deliver` and `markPaid`, which return the signed webhook.
 */

export interface InvoroTestKey {
  readonly key: string;
  /** Default: every invoice scope. */
  readonly scopes?: ReadonlyArray<string>;
}

export interface InvoroServerOptions {
  readonly keys: ReadonlyArray<InvoroTestKey>;
  /** Business entities of the company; a create naming another is refused. Default: any UUID. */
  readonly businessEntityIds?: ReadonlyArray<string>;
  /** Which header the server reads the key from; default either (both must agree when both are sent). */
  readonly authHeader?: 'either' | 'bearer' | 'x-api-key';
  /** Requests per key and second; default 100 (the documented limit). */
  readonly rateLimitPerSecond?: number;
  /** Whether `GET /invoices` honours `invoice_number`; default true. */
  readonly filtersByNumber?: boolean;
  /** Largest `per_page`; default 100. */
  readonly maxPerPage?: number;
  readonly webhookSecret?: string;
  readonly now?: () => Date;
}

/** An invoice as the test server stores it: the resource it answers with, and the body it was created from. */
export interface InvoroStoredInvoice {
  readonly id: string;
  state: string;
  readonly currency: string;
  /** Cents. */
  readonly amount: bigint;
  /** The create body as received (numbers kept as `JsonNumber`s). */
  readonly ublJson: Record<string, unknown>;
  readonly businessEntityId: string | null;
  readonly isTest: boolean;
  deliveryNetworkId: string | null;
  paymentStatus: string;
  totalPaidCents: bigint;
  readonly createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface InvoroTestServer {
  readonly server: LoopbackServer;
  /** `<loopback url>/invoice-api` */
  readonly baseUrl: string;
  /** Every invoice, deleted ones included, in creation order. */
  readonly invoices: () => ReadonlyArray<InvoroStoredInvoice>;
  /** Moves every `sending` invoice to `sent`, as Invoro's queue does. */
  readonly processQueue: () => void;
  /** Marks an invoice delivered on Peppol and returns the `invoice.delivered` webhook Invoro would send. */
  readonly deliver: (id: string) => SignedInvoroWebhook;
  /** Marks an invoice paid in full and returns the `invoice.paid` webhook Invoro would send. */
  readonly markPaid: (id: string) => SignedInvoroWebhook;
  readonly close: () => Promise<void>;
}

const ALL_SCOPES = ['invoice:create', 'invoice:read', 'invoice:send', 'invoice:delete'];
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE = '/invoice-api';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);

/** An exact decimal: coefficient / 10^scale. */
interface Exact {
  readonly coefficient: bigint;
  readonly scale: bigint;
}

const exact = (value: JsonNumber): Exact => {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(value.text);
  if (match === null) return { coefficient: 0n, scale: 0n };
  const fraction = match[3] ?? '';
  const coefficient = BigInt(`${match[1] ?? ''}${match[2] ?? '0'}${fraction}`);
  const scale = BigInt(fraction.length) - BigInt(match[4] ?? '0');
  return scale >= 0n ? { coefficient, scale } : { coefficient: coefficient * 10n ** -scale, scale: 0n };
};

/** Rounds numerator / denominator half up (toward +∞ on a tie). */
const roundHalfUp = (numerator: bigint, denominator: bigint): bigint => {
  const n = denominator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const twice = 2n * n + d;
  const q = twice / (2n * d);
  return twice % (2n * d) !== 0n && twice < 0n ? q - 1n : q;
};

const isInteger = (value: unknown): value is JsonNumber =>
  value instanceof JsonNumber && /^-?(0|[1-9][0-9]*)$/.test(value.text);

const normalisedRate = (value: unknown): string => {
  if (!(value instanceof JsonNumber)) return '';
  const { coefficient, scale } = exact(value);
  let c = coefficient;
  let s = scale;
  while (s > 0n && c % 10n === 0n) {
    c /= 10n;
    s -= 1n;
  }
  return `${c.toString()}e-${s.toString()}`;
};

export const startInvoroServer = async (options: InvoroServerOptions): Promise<InvoroTestServer> => {
  const now = options.now ?? (() => new Date());
  const limit = options.rateLimitPerSecond ?? 100;
  const maxPerPage = options.maxPerPage ?? 100;
  const secret = options.webhookSecret ?? 'whsec_invoro_test';
  const invoices: InvoroStoredInvoice[] = [];
  const windows = new Map<string, { second: number; count: number }>();
  const companyId = randomUUID();

  const envelope = (
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ): LoopbackResponse => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: stringifyExactJson(value),
  });
  const error = (
    status: number,
    message: string,
    errors: Record<string, string[]> | null = null,
    headers: Record<string, string> = {},
  ) => envelope(status, { success: false, data: null, message, errors }, headers);

  const resource = (invoice: InvoroStoredInvoice): Json => ({
    id: invoice.id,
    company_id: companyId,
    user_id: null,
    state: invoice.state,
    direction: 'outgoing',
    amount: invoice.amount,
    currency: invoice.currency,
    ubl_version: '2.1',
    ubl_json: invoice.ublJson,
    metadata_json: null,
    delivery_network_id: invoice.deliveryNetworkId,
    business_entity_id: invoice.businessEntityId,
    related_invoice_id: null,
    payment_status: invoice.paymentStatus,
    total_paid_cents: invoice.totalPaidCents,
    is_test: invoice.isTest,
    created_at: invoice.createdAt,
    updated_at: invoice.updatedAt,
    deleted_at: invoice.deletedAt,
  });

  const authenticate = (request: LoopbackRequest): InvoroTestKey | undefined => {
    const authorization = request.headers['authorization'];
    const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const apiKey = request.headers['x-api-key'];
    const mode = options.authHeader ?? 'either';
    if (mode === 'either' && bearer !== undefined && apiKey !== undefined && bearer !== apiKey)
      return undefined;
    const presented = mode === 'bearer' ? bearer : mode === 'x-api-key' ? apiKey : (bearer ?? apiKey);
    return options.keys.find((entry) => entry.key === presented);
  };

  const rateLimit = (
    key: string,
  ): { readonly allowed: boolean; readonly headers: Record<string, string> } => {
    const millis = now().getTime();
    const second = Math.floor(millis / 1000);
    const current = windows.get(key);
    const window = current !== undefined && current.second === second ? current : { second, count: 0 };
    window.count += 1;
    windows.set(key, window);
    const allowed = window.count <= limit;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - window.count)),
        'x-ratelimit-reset': String(second + 1),
      },
    };
  };

  const visible = (id: string) => invoices.find((invoice) => invoice.id === id && invoice.deletedAt === null);

  /** Validates a create body; with `calculate_totals: false`, checks that the document adds up. */
  const validate = (body: Json): { errors: Record<string, string[]>; payable: bigint; currency: string } => {
    const errors: Record<string, string[]> = {};
    const fail = (field: string, message: string) => {
      (errors[field] ??= []).push(message);
    };
    const header = isObject(body['header']) ? body['header'] : {};
    const currency = header['currency'];
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      fail('header.currency', 'The currency must be 3 letters.');
    }
    for (const field of ['issue_date', 'due_date', 'tax_point_date']) {
      const value = header[field];
      if (value !== undefined && value !== null && (typeof value !== 'string' || !DATE_TIME.test(value))) {
        fail(`header.${field}`, `The ${field} must be a valid date-time.`);
      }
    }
    const number = header['invoice_number'];
    if (number !== undefined && number !== null && (typeof number !== 'string' || number.length > 255)) {
      fail('header.invoice_number', 'The invoice number must be a string of at most 255 characters.');
    }
    const entity = body['business_entity_id'];
    if (entity !== undefined && entity !== null) {
      if (typeof entity !== 'string' || !UUID.test(entity)) fail('business_entity_id', 'Must be a UUID.');
      else if (options.businessEntityIds !== undefined && !options.businessEntityIds.includes(entity)) {
        fail('business_entity_id', 'The selected business entity is invalid.');
      }
    }
    const buyer = body['buyer'];
    if (!isObject(buyer) || typeof buyer['name'] !== 'string' || buyer['name'] === '') {
      fail('buyer.name', 'The buyer name is required.');
    }
    const items = body['items'];
    if (!Array.isArray(items) || items.length === 0) fail('items', 'At least one item is required.');

    const amountOf = (value: unknown, field: string): bigint => {
      if (value === undefined || value === null) return 0n;
      if (!isInteger(value)) {
        fail(field, 'Must be an integer (cents).');
        return 0n;
      }
      return BigInt(value.text);
    };
    const sumEntries = (entries: unknown, field: string): bigint => {
      if (entries === undefined || entries === null) return 0n;
      if (!Array.isArray(entries)) {
        fail(field, 'Must be an array.');
        return 0n;
      }
      return entries.reduce<bigint>(
        (sum, entry, i) => sum + (isObject(entry) ? amountOf(entry['amount'], `${field}.${i}.amount`) : 0n),
        0n,
      );
    };

    // Taxable amounts per VAT category and rate, and the line total.
    const groups = new Map<string, { taxable: bigint; rate: JsonNumber | undefined }>();
    const addToGroup = (entry: Json, categoryField: string, rateField: string, amount: bigint) => {
      const category = typeof entry[categoryField] === 'string' ? entry[categoryField] : '';
      const rate = entry[rateField] instanceof JsonNumber ? entry[rateField] : undefined;
      const key = `${category}|${normalisedRate(rate)}`;
      const group = groups.get(key) ?? { taxable: 0n, rate };
      group.taxable += amount;
      groups.set(key, group);
    };
    let lineTotal = 0n;
    (Array.isArray(items) ? items : []).forEach((item: unknown, i) => {
      const field = `items.${i}`;
      if (!isObject(item)) {
        fail(field, 'Must be an object.');
        return;
      }
      if (typeof item['name'] !== 'string' || item['name'] === '' || item['name'].length > 255) {
        fail(`${field}.name`, 'The name is required (at most 255 characters).');
      }
      const price = item['price'];
      const quantity = item['quantity'];
      const base = item['base_quantity'] ?? undefined;
      if (!isInteger(price)) fail(`${field}.price`, 'The price is required and must be an integer (cents).');
      if (!(quantity instanceof JsonNumber)) fail(`${field}.quantity`, 'The quantity is required.');
      if (base !== undefined && (!(base instanceof JsonNumber) || exact(base).coefficient <= 0n)) {
        fail(`${field}.base_quantity`, 'The base quantity must be a positive number.');
      }
      const rate = item['tax_rate'];
      if (rate !== undefined && rate !== null && (!(rate instanceof JsonNumber) || Number(rate.text) > 100)) {
        fail(`${field}.tax_rate`, 'The tax rate must be a number up to 100.');
      }
      if (!isInteger(price) || !(quantity instanceof JsonNumber)) return;
      const q = exact(quantity);
      const b = base instanceof JsonNumber ? exact(base) : { coefficient: 1n, scale: 0n };
      if (b.coefficient <= 0n) return;
      // quantity × price ÷ base = (qc / 10^qs) × price ÷ (bc / 10^bs)
      const gross = roundHalfUp(
        q.coefficient * BigInt(price.text) * 10n ** b.scale,
        10n ** q.scale * b.coefficient,
      );
      const net =
        gross -
        sumEntries(item['allowances'], `${field}.allowances`) +
        sumEntries(item['charges'], `${field}.charges`);
      lineTotal += net;
      addToGroup(item, 'tax_category', 'tax_rate', net);
    });
    const documentEntries = (name: 'allowances' | 'charges', sign: bigint): bigint => {
      const entries = body[name];
      if (entries === undefined || entries === null) return 0n;
      if (!Array.isArray(entries)) {
        fail(name, 'Must be an array.');
        return 0n;
      }
      return entries.reduce<bigint>((sum, entry: unknown, i) => {
        if (!isObject(entry)) return sum;
        const amount = amountOf(entry['amount'], `${name}.${i}.amount`);
        addToGroup(entry, 'tax_category', 'tax_rate', sign * amount);
        return sum + amount;
      }, 0n);
    };
    const allowanceTotal = documentEntries('allowances', -1n);
    const chargeTotal = documentEntries('charges', 1n);
    const taxExclusive = lineTotal - allowanceTotal + chargeTotal;

    const parsedCurrency = CurrencyCodec.decode(currency);
    const exponent = parsedCurrency._tag === 'Right' ? currencyExponent(parsedCurrency.right) : 2;
    // One minor unit of the currency, in cents (BR-CO-17 lets a group's VAT differ from taxable × rate a little).
    const tolerance = exponent >= 2 ? 1n : 10n ** BigInt(2 - exponent);

    const stated = isObject(body['totals']) ? body['totals'] : undefined;
    if (body['calculate_totals'] === true) {
      let tax = 0n;
      for (const group of groups.values()) {
        const r = group.rate === undefined ? { coefficient: 0n, scale: 0n } : exact(group.rate);
        tax += roundHalfUp(group.taxable * r.coefficient, 100n * 10n ** r.scale);
      }
      return { errors, payable: taxExclusive + tax, currency: typeof currency === 'string' ? currency : '' };
    }
    if (stated === undefined) {
      fail('totals', 'The totals are required when calculate_totals is false.');
      return { errors, payable: 0n, currency: '' };
    }
    const total = (field: string) => amountOf(stated[field], `totals.${field}`);
    const expect = (field: string, expected: bigint) => {
      if (total(field) !== expected) {
        fail(`totals.${field}`, `The ${field} does not add up (expected ${expected.toString()}).`);
      }
    };
    expect('line_extension_amount', lineTotal);
    expect('allowance_total_amount', allowanceTotal);
    expect('charge_total_amount', chargeTotal);
    expect('tax_exclusive_amount', taxExclusive);

    const breakdown = Array.isArray(body['tax_breakdown']) ? body['tax_breakdown'] : [];
    let taxTotal = 0n;
    const seen = new Set<string>();
    breakdown.forEach((entry: unknown, i) => {
      if (!isObject(entry)) return;
      const key = `${typeof entry['category_code'] === 'string' ? entry['category_code'] : ''}|${normalisedRate(entry['rate'])}`;
      seen.add(key);
      const taxable = amountOf(entry['taxable_amount'], `tax_breakdown.${i}.taxable_amount`);
      const tax = amountOf(entry['tax_amount'], `tax_breakdown.${i}.tax_amount`);
      taxTotal += tax;
      const group = groups.get(key);
      if (group === undefined || group.taxable !== taxable) {
        fail(
          `tax_breakdown.${i}.taxable_amount`,
          'The taxable amount does not match the lines of this category.',
        );
        return;
      }
      const r = group.rate === undefined ? { coefficient: 0n, scale: 0n } : exact(group.rate);
      const computed = roundHalfUp(taxable * r.coefficient, 100n * 10n ** r.scale);
      const difference = computed > tax ? computed - tax : tax - computed;
      if (difference > tolerance)
        fail(`tax_breakdown.${i}.tax_amount`, 'The tax amount does not match the rate.');
    });
    for (const key of groups.keys()) {
      if (!seen.has(key)) fail('tax_breakdown', `No tax breakdown for category ${key}.`);
    }
    expect('tax_amount', taxTotal);
    const taxInclusive = taxExclusive + taxTotal;
    expect('tax_inclusive_amount', taxInclusive);
    const payable = taxInclusive - total('paid_amount') + total('payable_rounding_amount');
    expect('payable_amount', payable);
    return { errors, payable, currency: typeof currency === 'string' ? currency : '' };
  };

  const handler = (request: LoopbackRequest): LoopbackResponse => {
    if (!request.path.startsWith(`${BASE}/`)) return error(404, 'Not found.');
    const path = request.path.slice(BASE.length);
    const key = authenticate(request);
    if (key === undefined) return error(401, 'Unauthenticated.');
    const rate = rateLimit(key.key);
    if (!rate.allowed) return error(429, 'Too Many Attempts.', null, rate.headers);
    const scopes = key.scopes ?? ALL_SCOPES;
    const answer = (status: number, value: unknown) => envelope(status, value, rate.headers);
    const refuse = (status: number, message: string, errors: Record<string, string[]> | null = null) =>
      error(status, message, errors, rate.headers);
    const requireScope = (scope: string) =>
      scopes.includes(scope)
        ? undefined
        : refuse(403, `This API key lacks the ${scope} scope.`, {
            scope: [`The ${scope} scope is required.`],
          });
    const timestamp = now().toISOString();

    if (request.method === 'POST' && path === '/invoices') {
      const denied = requireScope('invoice:create');
      if (denied !== undefined) return denied;
      const parsed = parseExactJson(request.rawBody.toString('utf8'));
      if (parsed._tag === 'Left' || !isObject(parsed.right))
        return refuse(400, 'The body must be a JSON object.');
      const body = parsed.right;
      const { errors, payable, currency } = validate(body);
      if (Object.keys(errors).length > 0) return refuse(422, 'The given data was invalid.', errors);
      const entity = body['business_entity_id'];
      const invoice: InvoroStoredInvoice = {
        id: randomUUID(),
        state: 'draft',
        currency,
        amount: payable,
        ublJson: body,
        businessEntityId: typeof entity === 'string' ? entity : null,
        isTest: key.key.startsWith('ak_test_'),
        deliveryNetworkId: null,
        paymentStatus: 'unpaid',
        totalPaidCents: 0n,
        createdAt: timestamp,
        updatedAt: timestamp,
        deletedAt: null,
      };
      invoices.push(invoice);
      return answer(201, {
        success: true,
        data: resource(invoice),
        message: 'Invoice created successfully.',
      });
    }

    if (request.method === 'GET' && path === '/invoices') {
      const denied = requireScope('invoice:read');
      if (denied !== undefined) return denied;
      const number = request.query.get('invoice_number');
      const perPage = Math.min(maxPerPage, Math.max(1, Number(request.query.get('per_page') ?? '15') || 15));
      const page = Math.max(1, Number(request.query.get('page') ?? '1') || 1);
      const listed = invoices.filter((invoice) => {
        if (invoice.deletedAt !== null) return false;
        if (options.filtersByNumber === false || number === null) return true;
        const header = invoice.ublJson['header'];
        return isObject(header) && header['invoice_number'] === number;
      });
      const lastPage = Math.max(1, Math.ceil(listed.length / perPage));
      return answer(200, {
        success: true,
        data: listed.slice((page - 1) * perPage, page * perPage).map(resource),
        meta: { current_page: page, last_page: lastPage, per_page: perPage, total: listed.length },
      });
    }

    const match = /^\/invoices\/([^/]+)(\/send)?$/.exec(path);
    if (match?.[1] !== undefined) {
      const id = decodeURIComponent(match[1]);
      const isSend = match[2] !== undefined;
      if (request.method === 'GET' && !isSend) {
        const denied = requireScope('invoice:read');
        if (denied !== undefined) return denied;
        const invoice = visible(id);
        return invoice === undefined
          ? refuse(404, 'Invoice not found')
          : answer(200, { success: true, data: resource(invoice) });
      }
      if (request.method === 'POST' && isSend) {
        const denied = requireScope('invoice:send');
        if (denied !== undefined) return denied;
        const invoice = visible(id);
        if (invoice === undefined) return refuse(404, 'Invoice not found');
        if (!['draft', 'approved', 'failed'].includes(invoice.state)) {
          return refuse(422, 'Invoice cannot be sent in its current state.', {
            state: [`The invoice is ${invoice.state}.`],
          });
        }
        invoice.state = 'sending';
        invoice.deliveryNetworkId = 'peppol';
        invoice.updatedAt = timestamp;
        return answer(200, {
          success: true,
          data: resource(invoice),
          message: 'Invoice validated and queued for sending.',
        });
      }
      if (request.method === 'DELETE' && !isSend) {
        const denied = requireScope('invoice:delete');
        if (denied !== undefined) return denied;
        const invoice = visible(id);
        if (invoice === undefined) return refuse(404, 'Invoice not found');
        if (invoice.state !== 'draft') {
          return refuse(422, 'Only draft invoices can be deleted.', {
            state: [`The invoice is ${invoice.state}.`],
          });
        }
        invoice.deletedAt = timestamp;
        invoice.updatedAt = timestamp;
        return answer(200, { success: true, data: null, message: 'Invoice deleted successfully.' });
      }
    }
    return refuse(404, 'Not found.');
  };

  const server = await startLoopbackServer({
    handler,
    errorBody: (_status, message) => ({ success: false, message, data: null, errors: null }),
  });

  const find = (id: string): InvoroStoredInvoice => {
    const invoice = invoices.find((entry) => entry.id === id);
    if (invoice === undefined) throw new Error(`no invoice ${id}`);
    return invoice;
  };
  const webhook = (event: string, invoice: InvoroStoredInvoice) =>
    signInvoroWebhook(
      { event, timestamp: now().toISOString(), is_test: invoice.isTest, data: resource(invoice) },
      secret,
    );

  return {
    server,
    baseUrl: `${server.url}${BASE}`,
    invoices: () => invoices,
    processQueue: () => {
      for (const invoice of invoices) if (invoice.state === 'sending') invoice.state = 'sent';
    },
    deliver: (id) => {
      const invoice = find(id);
      invoice.state = 'delivered';
      invoice.updatedAt = now().toISOString();
      return webhook('invoice.delivered', invoice);
    },
    markPaid: (id) => {
      const invoice = find(id);
      invoice.paymentStatus = 'paid';
      invoice.totalPaidCents = invoice.amount;
      invoice.updatedAt = now().toISOString();
      return webhook('invoice.paid', invoice);
    },
    close: () => server.close(),
  };
};
