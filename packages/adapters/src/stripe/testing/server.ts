import { createHash } from 'node:crypto';

import type { LoopbackRequest, LoopbackResponse, LoopbackServer } from '../../providers/testing/loopback.js';
import { startLoopbackServer } from '../../providers/testing/loopback.js';
import type { FormObject, Parsed, ParamError, Spec } from './form.js';
import {
  arr,
  bool,
  dec,
  decodeForm,
  expand,
  int,
  metadata,
  obj,
  oneOf,
  str,
  validateObject,
} from './form.js';
import { signStripeWebhook } from './sign.js';

/**
 * A loopback Stripe: the subset of the v1 API the adapter uses, following Stripe's documented behaviour
 * (docs.stripe.com/api, /idempotency, /api/errors, /invoicing/integration/workflow-transitions, /currencies).
 *
 * - Auth: the secret key as HTTP Basic username or `Bearer`; anything else is 401 with Stripe's error body
 *   and the key masked as Stripe masks it.
 * - Bodies: form-encoded with bracket nesting; unknown parameters are refused (`parameter_unknown`).
 * - Idempotency (POST only): per account, a key replays the first saved status and body (`Idempotent-Replayed:
 *   true`) when the parameters are the same, and is a 400 `idempotency_error` when they differ; results are
 *   saved only once the endpoint began executing (a parameter that fails validation saves nothing); keys
 *   expire after 24 hours of the server's clock.
 * - Invoices: draft → finalize → open → pay → paid; open → void / mark_uncollectible; uncollectible → pay /
 *   void; `add_lines` and delete only on drafts; `send` only on open invoices of customers with an email.
 *   Totals as Stripe computes them: `subtotal` = Σ line amounts, exclusive taxes on top, inclusive inside,
 *   `total`, `amount_due` = max(0, total), `amount_remaining` = due − paid. A zero total is paid on
 *   finalization.
 * - Money: integers in Stripe's units; three-decimal currencies must end in 0 (docs.stripe.com/currencies).
 * - Events: each transition records the event Stripe would send (`invoice.finalized`, `invoice.sent`,
 *   `invoice.paid`, …), with the invoice as it was then, ready to be signed and delivered to a webhook route.
 *
 * Behaviour Stripe does not document and we had to choose is marked "guess" below.
 */

export interface StripeTestServerOptions {
  /** Secret keys and the account each belongs to. */
  readonly keys: Readonly<Record<string, string>>;
  readonly now: () => Date;
}

export interface StripeTaxEntry {
  readonly amount: bigint;
  readonly taxableAmount: bigint;
  readonly taxRate: string;
  readonly inclusive: boolean;
  readonly taxabilityReason: string | null;
}

export interface StripeLineRecord {
  readonly id: string;
  readonly amount: bigint;
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly quantity: bigint;
  readonly discountable: boolean;
  readonly taxes: ReadonlyArray<StripeTaxEntry>;
}

export interface StripeTaxRateRecord {
  readonly id: string;
  readonly displayName: string;
  readonly percentage: string;
  readonly inclusive: boolean;
  readonly taxType: string | null;
}

export interface StripeAddress {
  readonly line1: string | null;
  readonly line2: string | null;
  readonly city: string | null;
  readonly postal_code: string | null;
  readonly state: string | null;
  readonly country: string | null;
}

export interface StripeCustomerRecord {
  readonly id: string;
  readonly account: string;
  readonly created: number;
  readonly seq: number;
  name: string | null;
  email: string | null;
  address: StripeAddress | null;
  metadata: Record<string, string>;
}

export type StripeStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface StripeInvoiceRecord {
  readonly id: string;
  readonly account: string;
  readonly customer: string;
  readonly created: number;
  readonly seq: number;
  readonly currency: string;
  readonly collectionMethod: 'send_invoice' | 'charge_automatically';
  dueDate: number | null;
  readonly daysUntilDue: number | null;
  autoAdvance: boolean;
  number: string | null;
  metadata: Record<string, string>;
  description: string | null;
  footer: string | null;
  customFields: ReadonlyArray<{ readonly name: string; readonly value: string }> | null;
  status: StripeStatus;
  lines: StripeLineRecord[];
  transitions: {
    finalized_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
    marked_uncollectible_at: number | null;
  };
  amountPaid: bigint;
  amountPaidOffStripe: bigint;
  hostedUrl: string | null;
  deleted: boolean;
  /** Copied from the customer at finalization, as Stripe does. */
  customerSnapshot: { email: string | null; name: string | null; address: StripeAddress | null } | null;
}

export interface StripeEventRecord {
  readonly id: string;
  readonly account: string;
  readonly type: string;
  readonly created: number;
  /** The event body exactly as Stripe would POST it to an endpoint. */
  readonly payload: string;
}

export interface StripeEmail {
  readonly invoiceId: string;
  readonly to: string;
  readonly at: number;
}

/**
 * An answer given to the next matching request instead of the endpoint's (never saved for idempotency): a
 * Stripe error body, or any `body` (to test what the adapter does with an answer it cannot read).
 */
export interface StripeFailure {
  readonly status: number;
  readonly error?: {
    readonly type: string;
    readonly code?: string;
    readonly message: string;
    readonly param?: string;
  };
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface StripeTestServer extends LoopbackServer {
  readonly invoices: () => ReadonlyArray<StripeInvoiceRecord>;
  readonly customers: () => ReadonlyArray<StripeCustomerRecord>;
  readonly taxRates: () => ReadonlyArray<StripeTaxRateRecord>;
  readonly events: () => ReadonlyArray<StripeEventRecord>;
  readonly emails: () => ReadonlyArray<StripeEmail>;
  /** Totals as Stripe computes them for an invoice. */
  readonly totals: (invoice: StripeInvoiceRecord) => StripeTotals;
  /** The invoice as `GET /v1/invoices/{id}` renders it. */
  readonly render: (invoice: StripeInvoiceRecord) => Record<string, unknown>;
  /** The customer pays the invoice on Stripe's hosted page (what a webhook then reports). */
  readonly payOnStripe: (invoiceId: string) => void;
  /** Answers the next request that `matches` with a Stripe error. */
  readonly failNext: (failure: StripeFailure, matches?: (request: LoopbackRequest) => boolean) => void;
  /** `{rawBody, headers}` of an event as Stripe would deliver it, signed with `secret` at the server's clock. */
  readonly delivery: (
    eventId: string,
    secret: string,
  ) => { readonly rawBody: Buffer; readonly headers: Readonly<Record<string, string>> };
  /** `Stripe-Version` of the last authenticated request. */
  readonly lastApiVersion: () => string | undefined;
}

export interface StripeTotals {
  readonly subtotal: bigint;
  readonly subtotalExcludingTax: bigint;
  readonly tax: bigint;
  readonly exclusiveTax: bigint;
  readonly total: bigint;
  readonly amountDue: bigint;
  readonly amountRemaining: bigint;
}

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
/** A subset of Stripe's presentment currencies, enough for tests. Guess: uppercase codes are refused. */
const CURRENCIES = new Set([
  ...ZERO_DECIMAL,
  ...THREE_DECIMAL,
  'eur',
  'usd',
  'gbp',
  'chf',
  'sek',
  'dkk',
  'nok',
  'pln',
  'czk',
  'huf',
  'isk',
  'cad',
  'aud',
]);
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const TAX_TYPES = [
  'amusement_tax',
  'communications_tax',
  'gst',
  'hst',
  'igst',
  'jct',
  'lease_tax',
  'pst',
  'qst',
  'retail_delivery_fee',
  'rst',
  'sales_tax',
  'service_tax',
  'vat',
];
const TAXABILITY_REASONS = [
  'customer_exempt',
  'not_collecting',
  'not_subject_to_tax',
  'not_supported',
  'portion_product_exempt',
  'portion_reduced_rated',
  'portion_standard_rated',
  'product_exempt',
  'product_exempt_holiday',
  'proportionally_rated',
  'reduced_rated',
  'reverse_charge',
  'standard_rated',
  'taxable_basis_reduced',
  'zero_rated',
];

const addressSpec = obj({
  line1: str(5000),
  line2: str(5000),
  city: str(5000),
  postal_code: str(5000),
  state: str(5000),
  country: str(5000),
});
const customerSpec = {
  name: str(256),
  email: str(512),
  description: str(5000),
  phone: str(20),
  address: addressSpec,
  metadata,
  preferred_locales: arr(str(5000)),
  expand,
};
const taxAmountSpec = obj({
  amount: int(undefined, true),
  taxable_amount: int(undefined, true),
  taxability_reason: oneOf(TAXABILITY_REASONS),
  tax_rate_data: obj(
    {
      display_name: str(50, true),
      inclusive: bool(true),
      percentage: dec(0, 100, 4, true),
      country: str(5000),
      description: str(5000),
      jurisdiction: str(50),
      jurisdiction_level: oneOf(['city', 'country', 'county', 'district', 'multiple', 'state']),
      state: str(5000),
      tax_type: oneOf(TAX_TYPES),
    },
    true,
  ),
});
const lineSpec = obj({
  amount: int(),
  description: str(5000),
  discountable: bool(),
  metadata,
  quantity: int(0n),
  price_data: obj({
    currency: str(3, true),
    product: str(5000),
    product_data: obj({ name: str(5000, true), description: str(5000), metadata }),
    tax_behavior: oneOf(['exclusive', 'inclusive', 'unspecified']),
    unit_amount: int(0n),
  }),
  tax_amounts: arr(taxAmountSpec, 20),
  tax_rates: arr(str(5000)),
  period: obj({ start: int(undefined, true), end: int(undefined, true) }),
});
const invoiceCreateSpec = {
  customer: str(5000, true),
  currency: str(3),
  collection_method: oneOf(['charge_automatically', 'send_invoice']),
  due_date: int(),
  days_until_due: int(0n),
  auto_advance: bool(),
  number: str(26),
  pending_invoice_items_behavior: oneOf(['exclude', 'include']),
  metadata,
  description: str(1500),
  footer: str(5000),
  effective_at: int(),
  custom_fields: arr(obj({ name: str(40, true), value: str(140, true) }), 4),
  expand,
};

// ---------------------------------------------------------------------------------------------------------
// Reading parsed parameters without casts

type Params = { readonly [key: string]: Parsed };
const getString = (p: Params, key: string): string | undefined => {
  const v = p[key];
  return typeof v === 'string' ? v : undefined;
};
const getInt = (p: Params, key: string): bigint | undefined => {
  const v = p[key];
  return typeof v === 'bigint' ? v : undefined;
};
const getBool = (p: Params, key: string): boolean | undefined => {
  const v = p[key];
  return typeof v === 'boolean' ? v : undefined;
};
const getObject = (p: Params, key: string): Params | undefined => {
  const v = p[key];
  return typeof v === 'object' && !Array.isArray(v) ? v : undefined;
};
const getArray = (p: Params, key: string): ReadonlyArray<Params> => {
  const v = p[key];
  return Array.isArray(v)
    ? v.flatMap((item) => (typeof item === 'object' && !Array.isArray(item) ? [item] : []))
    : [];
};
const getMetadata = (p: Params, key: string): Record<string, string> | undefined => {
  const v = getObject(p, key);
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) if (typeof value === 'string') out[k] = value;
  return out;
};
/** Stripe metadata updates merge; an empty value unsets the key. */
const mergeMetadata = (
  current: Record<string, string>,
  update: Record<string, string>,
): Record<string, string> => {
  const merged = { ...current, ...update };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ''));
};

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

interface Outcome {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Whether an idempotency key saves this answer (false when parameters failed validation). */
  readonly save: boolean;
}

const stripeError = (
  status: number,
  error: {
    readonly type?: string;
    readonly code?: string;
    readonly message: string;
    readonly param?: string;
  },
  save = true,
): Outcome => ({
  status,
  save,
  body: {
    error: {
      type: error.type ?? 'invalid_request_error',
      message: error.message,
      ...(error.code === undefined
        ? {}
        : {
            code: error.code,
            doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, '-')}`,
          }),
      ...(error.param === undefined ? {} : { param: error.param }),
    },
  },
});

const paramError = (error: ParamError): Outcome => stripeError(400, error, false);
const invalid = (message: string, param?: string, code?: string): Outcome =>
  stripeError(400, {
    message,
    ...(param === undefined ? {} : { param }),
    ...(code === undefined ? {} : { code }),
  });
const missing = (kind: string, id: string, param: string, status = 404): Outcome =>
  stripeError(status, { code: 'resource_missing', message: `No such ${kind}: '${id}'`, param });

const mask = (key: string): string => {
  const at = key.indexOf('_', key.indexOf('_') + 1);
  const prefix = at < 0 ? '' : key.slice(0, at + 1);
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
};

export const startStripeTestServer = async (options: StripeTestServerOptions): Promise<StripeTestServer> => {
  const customers = new Map<string, StripeCustomerRecord>();
  const invoices = new Map<string, StripeInvoiceRecord>();
  const taxRates = new Map<string, StripeTaxRateRecord>();
  const taxRateIds = new Map<string, string>();
  const events: StripeEventRecord[] = [];
  const emails: StripeEmail[] = [];
  const saved = new Map<string, { fingerprint: string; at: number; outcome: Outcome }>();
  const failures: Array<{ failure: StripeFailure; matches: (request: LoopbackRequest) => boolean }> = [];
  let seq = 0;
  let apiVersion: string | undefined;

  const nowSeconds = () => Math.floor(options.now().getTime() / 1000);
  const nextId = (prefix: string) => {
    seq += 1;
    return `${prefix}_${createHash('sha256').update(`${prefix}${seq}`).digest('hex').slice(0, 14)}${String(seq).padStart(6, '0')}`;
  };

  // -------------------------------------------------------------------------------------------------------
  // Money and rendering

  const totals = (invoice: StripeInvoiceRecord): StripeTotals => {
    let subtotal = 0n;
    let inclusiveTax = 0n;
    let exclusiveTax = 0n;
    for (const line of invoice.lines) {
      subtotal += line.amount;
      for (const tax of line.taxes) {
        if (tax.inclusive) inclusiveTax += tax.amount;
        else exclusiveTax += tax.amount;
      }
    }
    const total = subtotal + exclusiveTax;
    const amountDue = total > 0n ? total : 0n;
    return {
      subtotal,
      subtotalExcludingTax: subtotal - inclusiveTax,
      tax: inclusiveTax + exclusiveTax,
      exclusiveTax,
      total,
      amountDue,
      amountRemaining: amountDue - invoice.amountPaid,
    };
  };

  const renderTax = (tax: StripeTaxEntry) => ({
    amount: Number(tax.amount),
    tax_behavior: tax.inclusive ? 'inclusive' : 'exclusive',
    tax_rate_details: { tax_rate: tax.taxRate },
    taxability_reason: tax.taxabilityReason,
    taxable_amount: Number(tax.taxableAmount),
    type: 'tax_rate_details',
  });

  const renderLine = (invoice: StripeInvoiceRecord, line: StripeLineRecord) => ({
    id: line.id,
    object: 'line_item',
    amount: Number(line.amount),
    currency: invoice.currency,
    description: line.description,
    discount_amounts: [],
    discountable: line.discountable,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: line.metadata,
    parent: null,
    period: { start: invoice.created, end: invoice.created },
    pretax_credit_amounts: [],
    pricing: null,
    quantity: Number(line.quantity),
    subtotal: Number(line.amount),
    taxes: line.taxes.map(renderTax),
  });

  const totalTaxes = (invoice: StripeInvoiceRecord) => {
    const groups = new Map<string, StripeTaxEntry>();
    for (const tax of invoice.lines.flatMap((line) => line.taxes)) {
      const key = `${tax.taxRate}|${tax.inclusive}|${tax.taxabilityReason ?? ''}`;
      const seen = groups.get(key);
      groups.set(
        key,
        seen === undefined
          ? tax
          : {
              ...seen,
              amount: seen.amount + tax.amount,
              taxableAmount: seen.taxableAmount + tax.taxableAmount,
            },
      );
    }
    return [...groups.values()].map(renderTax);
  };

  const render = (invoice: StripeInvoiceRecord): Record<string, unknown> => {
    const t = totals(invoice);
    const customer = customers.get(invoice.customer);
    const snapshot = invoice.customerSnapshot ?? {
      email: customer?.email ?? null,
      name: customer?.name ?? null,
      address: customer?.address ?? null,
    };
    return {
      id: invoice.id,
      object: 'invoice',
      account_country: 'DE',
      account_name: 'Accrue loopback account',
      amount_due: Number(t.amountDue),
      amount_overpaid: 0,
      amount_paid: Number(invoice.amountPaid),
      amount_remaining: Number(t.amountRemaining),
      amount_shipping: 0,
      attempt_count: 0,
      attempted: false,
      auto_advance: invoice.autoAdvance,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_reason: 'manual',
      collection_method: invoice.collectionMethod,
      created: invoice.created,
      currency: invoice.currency,
      custom_fields: invoice.customFields,
      customer: invoice.customer,
      customer_address: snapshot.address,
      customer_email: snapshot.email,
      customer_name: snapshot.name,
      default_tax_rates: [],
      description: invoice.description,
      discounts: [],
      due_date: invoice.dueDate,
      effective_at: invoice.transitions.finalized_at,
      ending_balance: invoice.status === 'draft' ? null : 0,
      footer: invoice.footer,
      hosted_invoice_url: invoice.hostedUrl,
      invoice_pdf: invoice.hostedUrl === null ? null : `${invoice.hostedUrl}/pdf`,
      issuer: { type: 'self' },
      lines: {
        object: 'list',
        data: invoice.lines.slice(0, 10).map((line) => renderLine(invoice, line)),
        has_more: invoice.lines.length > 10,
        url: `/v1/invoices/${invoice.id}/lines`,
      },
      livemode: false,
      metadata: invoice.metadata,
      number: invoice.number,
      parent: null,
      period_end: invoice.created,
      period_start: invoice.created,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      rendering: null,
      starting_balance: 0,
      status: invoice.status,
      status_transitions: { ...invoice.transitions },
      subtotal: Number(t.subtotal),
      subtotal_excluding_tax: Number(t.subtotalExcludingTax),
      total: Number(t.total),
      total_discount_amounts: [],
      total_excluding_tax: Number(t.subtotalExcludingTax),
      total_pretax_credit_amounts: [],
      total_taxes: totalTaxes(invoice),
      webhooks_delivered_at: invoice.created,
    };
  };

  const renderCustomer = (customer: StripeCustomerRecord) => ({
    id: customer.id,
    object: 'customer',
    address: customer.address,
    balance: 0,
    created: customer.created,
    currency: null,
    description: null,
    email: customer.email,
    invoice_prefix: customer.id.slice(4, 12).toUpperCase(),
    livemode: false,
    metadata: customer.metadata,
    name: customer.name,
  });

  const emit = (invoice: StripeInvoiceRecord, type: string) => {
    const id = nextId('evt');
    const created = nowSeconds();
    const payload = JSON.stringify(
      {
        id,
        object: 'event',
        api_version: apiVersion ?? null,
        created,
        data: { object: render(invoice) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      },
      null,
      2,
    );
    events.push({ id, account: invoice.account, type, created, payload });
  };

  /** Three-decimal currencies: "the least-significant (last) digit must be 0". Guess: the same for lines. */
  const precisionError = (currency: string, amount: bigint, param: string): Outcome | undefined =>
    THREE_DECIMAL.has(currency) && amount % 10n !== 0n
      ? invalid(`Invalid ${param}: amounts in ${currency.toUpperCase()} must be divisible by 10`, param)
      : undefined;

  // -------------------------------------------------------------------------------------------------------
  // Endpoints

  const ownInvoice = (account: string, id: string): StripeInvoiceRecord | undefined => {
    const invoice = invoices.get(id);
    return invoice !== undefined && invoice.account === account && !invoice.deleted ? invoice : undefined;
  };

  const list = <A extends { readonly seq: number; readonly id: string }>(
    items: ReadonlyArray<A>,
    query: Params,
    url: string,
    renderItem: (item: A) => unknown,
  ): Outcome => {
    const limit = getInt(query, 'limit') ?? 10n;
    if (limit < 1n || limit > 100n) return invalid('Invalid limit: must be between 1 and 100', 'limit');
    const sorted = [...items].sort((a, b) => b.seq - a.seq);
    const after = getString(query, 'starting_after');
    let start = 0;
    if (after !== undefined) {
      const at = sorted.findIndex((item) => item.id === after);
      if (at < 0) return missing('object', after, 'starting_after', 400);
      start = at + 1;
    }
    const page = sorted.slice(start, start + Number(limit));
    return {
      status: 200,
      save: true,
      body: {
        object: 'list',
        data: page.map(renderItem),
        has_more: start + page.length < sorted.length,
        url,
      },
    };
  };

  const customerFields = (params: Params, customer: StripeCustomerRecord) => {
    const name = getString(params, 'name');
    const email = getString(params, 'email');
    const address = getObject(params, 'address');
    const meta = getMetadata(params, 'metadata');
    if (name !== undefined) customer.name = name === '' ? null : name;
    if (email !== undefined) customer.email = email === '' ? null : email;
    if (address !== undefined) {
      customer.address = {
        line1: getString(address, 'line1') ?? null,
        line2: getString(address, 'line2') ?? null,
        city: getString(address, 'city') ?? null,
        postal_code: getString(address, 'postal_code') ?? null,
        state: getString(address, 'state') ?? null,
        country: getString(address, 'country') ?? null,
      };
    }
    if (meta !== undefined) customer.metadata = mergeMetadata(customer.metadata, meta);
  };

  const createInvoice = (account: string, params: Params): Outcome => {
    const customerId = getString(params, 'customer') ?? '';
    const customer = customers.get(customerId);
    if (customer === undefined || customer.account !== account)
      return missing('customer', customerId, 'customer', 400);
    const currency = getString(params, 'currency') ?? 'usd';
    if (!CURRENCIES.has(currency)) return invalid(`Invalid currency: ${currency}`, 'currency');
    const collectionMethod =
      getString(params, 'collection_method') === 'send_invoice' ? 'send_invoice' : 'charge_automatically';
    const dueDate = getInt(params, 'due_date');
    const daysUntilDue = getInt(params, 'days_until_due');
    if (
      collectionMethod === 'charge_automatically' &&
      (dueDate !== undefined || daysUntilDue !== undefined)
    ) {
      return invalid(
        'Invoices with collection_method=charge_automatically cannot have a due date.',
        dueDate === undefined ? 'days_until_due' : 'due_date',
      );
    }
    if (collectionMethod === 'send_invoice' && dueDate === undefined && daysUntilDue === undefined) {
      // Guess at the wording; the refusal itself is documented behaviour.
      return invalid(
        'Invoices with collection_method=send_invoice must have a due_date or days_until_due.',
        'due_date',
      );
    }
    if (dueDate !== undefined && dueDate <= BigInt(nowSeconds())) {
      return invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', 'due_date');
    }
    const number = getString(params, 'number');
    // Guess: a number already used in the account is refused (Stripe calls it a unique identifier).
    if (
      number !== undefined &&
      [...invoices.values()].some((i) => i.account === account && !i.deleted && i.number === number)
    ) {
      return invalid(`An invoice with number ${number} already exists.`, 'number', 'resource_already_exists');
    }
    seq += 1;
    const invoice: StripeInvoiceRecord = {
      id: nextId('in'),
      account,
      customer: customer.id,
      created: nowSeconds(),
      seq,
      currency,
      collectionMethod,
      dueDate: dueDate === undefined ? null : Number(dueDate),
      daysUntilDue: daysUntilDue === undefined ? null : Number(daysUntilDue),
      autoAdvance: getBool(params, 'auto_advance') ?? false,
      number: number ?? null,
      metadata: getMetadata(params, 'metadata') ?? {},
      description: getString(params, 'description') ?? null,
      footer: getString(params, 'footer') ?? null,
      customFields: null,
      status: 'draft',
      lines: [],
      transitions: { finalized_at: null, paid_at: null, voided_at: null, marked_uncollectible_at: null },
      amountPaid: 0n,
      amountPaidOffStripe: 0n,
      hostedUrl: null,
      deleted: false,
      customerSnapshot: null,
    };
    const customFields = getArray(params, 'custom_fields').map((field) => ({
      name: getString(field, 'name') ?? '',
      value: getString(field, 'value') ?? '',
    }));
    if (customFields.length > 0) invoice.customFields = customFields;
    invoices.set(invoice.id, invoice);
    emit(invoice, 'invoice.created');
    return { status: 200, save: true, body: render(invoice) };
  };

  const addLines = (invoice: StripeInvoiceRecord, params: Params): Outcome => {
    if (invoice.status !== 'draft') {
      return invalid('You can only add lines to a draft invoice.', undefined, 'invoice_not_editable');
    }
    const lines = getArray(params, 'lines');
    if (lines.length === 0) return invalid('Missing required param: lines.', 'lines', 'parameter_missing');
    if (invoice.lines.length + lines.length > 250) {
      return invalid('An invoice can have at most 250 line items.', 'lines');
    }
    const added: StripeLineRecord[] = [];
    for (const [index, line] of lines.entries()) {
      const at = `lines[${index}]`;
      const amount = getInt(line, 'amount');
      const priceData = getObject(line, 'price_data');
      if ((amount === undefined) === (priceData === undefined)) {
        return invalid(`You must specify exactly one of amount or price_data on ${at}.`, at);
      }
      let lineAmount: bigint;
      let quantity = getInt(line, 'quantity') ?? 1n;
      if (amount !== undefined) {
        // Guess: with a flat amount Stripe's quantity is 1.
        if (getInt(line, 'quantity') !== undefined)
          return invalid(`You cannot pass quantity with amount on ${at}.`, `${at}[quantity]`);
        lineAmount = amount;
        quantity = 1n;
      } else {
        const currency = priceData === undefined ? undefined : getString(priceData, 'currency');
        if (currency !== invoice.currency) {
          return invalid(
            `The price currency (${currency ?? ''}) must match the invoice currency (${invoice.currency}).`,
            `${at}[price_data][currency]`,
          );
        }
        if (
          priceData !== undefined &&
          getString(priceData, 'product') === undefined &&
          getObject(priceData, 'product_data') === undefined
        ) {
          return invalid(
            `One of product or product_data is required on ${at}[price_data].`,
            `${at}[price_data]`,
          );
        }
        const unit = priceData === undefined ? undefined : getInt(priceData, 'unit_amount');
        if (unit === undefined)
          return invalid(
            `Missing required param: ${at}[price_data][unit_amount].`,
            `${at}[price_data][unit_amount]`,
            'parameter_missing',
          );
        lineAmount = unit * quantity;
      }
      const amountProblem = precisionError(invoice.currency, lineAmount, `${at}[amount]`);
      if (amountProblem !== undefined) return amountProblem;
      const taxAmounts = getArray(line, 'tax_amounts');
      if (taxAmounts.length > 0 && getArray(line, 'tax_rates').length > 0) {
        return invalid(`You cannot set both tax_amounts and tax_rates on ${at}.`, `${at}[tax_amounts]`);
      }
      const taxes: StripeTaxEntry[] = [];
      for (const [taxIndex, tax] of taxAmounts.entries()) {
        const taxAt = `${at}[tax_amounts][${taxIndex}]`;
        const taxAmount = getInt(tax, 'amount') ?? 0n;
        const taxable = getInt(tax, 'taxable_amount') ?? 0n;
        const precision =
          precisionError(invoice.currency, taxAmount, `${taxAt}[amount]`) ??
          precisionError(invoice.currency, taxable, `${taxAt}[taxable_amount]`);
        if (precision !== undefined) return precision;
        const data = getObject(tax, 'tax_rate_data') ?? {};
        const rate = {
          displayName: getString(data, 'display_name') ?? '',
          // Stripe stores the percentage as a number: "5.50" and "5.5" are the same rate.
          percentage: String(Number(getString(data, 'percentage') ?? '0')),
          inclusive: getBool(data, 'inclusive') ?? false,
          taxType: getString(data, 'tax_type') ?? null,
          country: getString(data, 'country') ?? null,
          jurisdiction: getString(data, 'jurisdiction') ?? null,
        };
        // "If the tax_rate_data exactly matches a previous value, Stripe will reuse the TaxRate object."
        const rateKey = `${invoice.account}|${canonical(rate)}`;
        let rateId = taxRateIds.get(rateKey);
        if (rateId === undefined) {
          rateId = nextId('txr');
          taxRateIds.set(rateKey, rateId);
          taxRates.set(rateId, {
            id: rateId,
            displayName: rate.displayName,
            percentage: rate.percentage,
            inclusive: rate.inclusive,
            taxType: rate.taxType,
          });
        }
        taxes.push({
          amount: taxAmount,
          taxableAmount: taxable,
          taxRate: rateId,
          inclusive: rate.inclusive,
          taxabilityReason: getString(tax, 'taxability_reason') ?? null,
        });
      }
      added.push({
        id: nextId('il'),
        amount: lineAmount,
        description:
          getString(line, 'description') ??
          (priceData === undefined
            ? null
            : (getString(getObject(priceData, 'product_data') ?? {}, 'name') ?? null)),
        metadata: getMetadata(line, 'metadata') ?? {},
        quantity,
        // "Defaults to false for prorations or negative line items, and true for all other line items."
        discountable: getBool(line, 'discountable') ?? lineAmount >= 0n,
        taxes,
      });
    }
    invoice.lines.push(...added);
    const invoiceMetadata = getMetadata(params, 'invoice_metadata');
    if (invoiceMetadata !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, invoiceMetadata);
    return { status: 200, save: true, body: render(invoice) };
  };

  const finalize = (invoice: StripeInvoiceRecord, params: Params): Outcome => {
    if (invoice.status !== 'draft') {
      return invalid(
        "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
        undefined,
        'invoice_not_editable',
      );
    }
    const customer = customers.get(invoice.customer);
    const at = nowSeconds();
    const autoAdvance = getBool(params, 'auto_advance');
    if (autoAdvance !== undefined) invoice.autoAdvance = autoAdvance;
    invoice.status = 'open';
    invoice.transitions.finalized_at = at;
    invoice.number ??= `${invoice.customer.slice(4, 12).toUpperCase()}-${String(invoice.seq).padStart(4, '0')}`;
    invoice.hostedUrl = `https://invoice.stripe.com/i/${invoice.account}/test_${invoice.id}`;
    if (invoice.daysUntilDue !== null) invoice.dueDate = at + invoice.daysUntilDue * 86_400;
    invoice.customerSnapshot = {
      email: customer?.email ?? null,
      name: customer?.name ?? null,
      address: customer?.address ?? null,
    };
    emit(invoice, 'invoice.finalized');
    if (totals(invoice).amountDue === 0n) {
      // "If the amount due for the invoice is zero, Stripe marks it paid" on finalization.
      invoice.status = 'paid';
      invoice.transitions.paid_at = at;
      emit(invoice, 'invoice.paid');
    }
    return { status: 200, save: true, body: render(invoice) };
  };

  /** Pays the rest of an invoice: out of band (`paid_out_of_band`), or collected by Stripe (`payOnStripe`). */
  const pay = (invoice: StripeInvoiceRecord, offStripe: boolean): Outcome => {
    if (invoice.status === 'paid') return invalid('Invoice is already paid.');
    if (invoice.status === 'void') return invalid('This invoice is void and cannot be paid.');
    if (invoice.status === 'draft') return invalid('You can only pay a finalized invoice.');
    const remaining = totals(invoice).amountRemaining;
    invoice.amountPaid += remaining;
    if (offStripe) invoice.amountPaidOffStripe += remaining;
    invoice.status = 'paid';
    invoice.transitions.paid_at = nowSeconds();
    emit(invoice, 'invoice.paid');
    return { status: 200, save: true, body: render(invoice) };
  };

  const route = (
    account: string,
    method: string,
    path: string,
    params: FormObject,
    query: FormObject,
  ): Outcome => {
    const validate = (
      source: FormObject,
      spec: Readonly<Record<string, Spec>>,
      then: (p: Params) => Outcome,
    ): Outcome => {
      const parsed = validateObject(source, spec);
      return parsed.ok ? then(parsed.value) : paramError(parsed.error);
    };
    const segments = path.split('/').filter((s) => s !== '');
    const [version, resource, id, action] = segments;
    if (version !== 'v1' || segments.length > 4) return unknownRoute(method, path);

    if (resource === 'customers') {
      if (id === undefined && method === 'GET') {
        return validate(
          query,
          { email: str(512), limit: int(), starting_after: str(5000), ending_before: str(5000), expand },
          (q) => {
            const email = getString(q, 'email');
            // "A case-sensitive filter on the list based on the customer's email field."
            const matching = [...customers.values()].filter(
              (c) => c.account === account && (email === undefined || c.email === email),
            );
            return list(matching, q, '/v1/customers', renderCustomer);
          },
        );
      }
      if (id === undefined && method === 'POST') {
        return validate(params, customerSpec, (p) => {
          seq += 1;
          const customer: StripeCustomerRecord = {
            id: nextId('cus'),
            account,
            created: nowSeconds(),
            seq,
            name: null,
            email: null,
            address: null,
            metadata: {},
          };
          customerFields(p, customer);
          customers.set(customer.id, customer);
          return { status: 200, save: true, body: renderCustomer(customer) };
        });
      }
      if (id !== undefined && action === undefined) {
        const customer = customers.get(id);
        if (customer === undefined || customer.account !== account) return missing('customer', id, 'id');
        if (method === 'GET') return { status: 200, save: true, body: renderCustomer(customer) };
        if (method === 'POST') {
          return validate(params, customerSpec, (p) => {
            customerFields(p, customer);
            return { status: 200, save: true, body: renderCustomer(customer) };
          });
        }
      }
      return unknownRoute(method, path);
    }

    if (resource !== 'invoices') return unknownRoute(method, path);
    if (id === undefined) {
      if (method === 'GET') {
        return validate(
          query,
          {
            customer: str(5000),
            status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void']),
            collection_method: oneOf(['charge_automatically', 'send_invoice']),
            limit: int(),
            starting_after: str(5000),
            ending_before: str(5000),
            expand,
          },
          (q) => {
            const customer = getString(q, 'customer');
            const status = getString(q, 'status');
            const method_ = getString(q, 'collection_method');
            const matching = [...invoices.values()].filter(
              (i) =>
                i.account === account &&
                !i.deleted &&
                (customer === undefined || i.customer === customer) &&
                (status === undefined || i.status === status) &&
                (method_ === undefined || i.collectionMethod === method_),
            );
            return list(matching, q, '/v1/invoices', render);
          },
        );
      }
      if (method === 'POST') return validate(params, invoiceCreateSpec, (p) => createInvoice(account, p));
      return unknownRoute(method, path);
    }
    const invoice = ownInvoice(account, id);
    if (invoice === undefined) return missing('invoice', id, 'invoice');
    if (action === undefined) {
      if (method === 'GET')
        return validate(query, { expand }, () => ({ status: 200, save: true, body: render(invoice) }));
      if (method === 'DELETE') {
        if (invoice.status !== 'draft') return invalid('You can only delete draft invoices.');
        invoice.deleted = true;
        emit(invoice, 'invoice.deleted');
        return { status: 200, save: true, body: { id: invoice.id, object: 'invoice', deleted: true } };
      }
      if (method === 'POST') {
        return validate(
          params,
          { metadata, description: str(1500), footer: str(5000), auto_advance: bool(), expand },
          (p) => {
            const draftOnly = ['description', 'footer'].filter((key) => p[key] !== undefined);
            if (invoice.status !== 'draft' && draftOnly.length > 0) {
              return invalid(
                `You can only update ${draftOnly.join(', ')} on a draft invoice.`,
                draftOnly[0],
                'invoice_not_editable',
              );
            }
            if (invoice.status === 'void')
              return invalid('You cannot update a void invoice.', undefined, 'invoice_not_editable');
            const meta = getMetadata(p, 'metadata');
            if (meta !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, meta);
            const description = getString(p, 'description');
            if (description !== undefined) invoice.description = description;
            const footer = getString(p, 'footer');
            if (footer !== undefined) invoice.footer = footer;
            const autoAdvance = getBool(p, 'auto_advance');
            if (autoAdvance !== undefined) invoice.autoAdvance = autoAdvance;
            return { status: 200, save: true, body: render(invoice) };
          },
        );
      }
      return unknownRoute(method, path);
    }
    if (method !== 'POST') return unknownRoute(method, path);
    switch (action) {
      case 'add_lines':
        return validate(
          params,
          { lines: arr(lineSpec, undefined, true), invoice_metadata: metadata, expand },
          (p) => addLines(invoice, p),
        );
      case 'finalize':
        return validate(params, { auto_advance: bool(), expand }, (p) => finalize(invoice, p));
      case 'send':
        return validate(params, { expand }, () => {
          if (invoice.status !== 'open') return invalid('You can only send an open invoice.');
          const email = customers.get(invoice.customer)?.email ?? null;
          // Guess at the wording; the refusal follows from "email the invoice to the customer".
          if (email === null)
            return invalid('The customer has no email address to send the invoice to.', 'customer');
          emails.push({ invoiceId: invoice.id, to: email, at: nowSeconds() });
          emit(invoice, 'invoice.sent');
          return { status: 200, save: true, body: render(invoice) };
        });
      case 'pay':
        return validate(
          params,
          {
            paid_out_of_band: bool(),
            forgive: bool(),
            mandate: str(5000),
            off_session: bool(),
            payment_method: str(5000),
            source: str(5000),
            expand,
          },
          (p) =>
            getBool(p, 'paid_out_of_band') === true
              ? pay(invoice, true)
              : // Guess at the wording: no customer has a payment method in the loopback world.
                invalid(
                  'This customer has no attached payment source or default payment method.',
                  'payment_method',
                ),
        );
      case 'void':
        return validate(params, { expand }, () => {
          if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
            return invalid(
              `You can only void an open or uncollectible invoice; this one is ${invoice.status}.`,
            );
          }
          invoice.status = 'void';
          invoice.transitions.voided_at = nowSeconds();
          emit(invoice, 'invoice.voided');
          return { status: 200, save: true, body: render(invoice) };
        });
      case 'mark_uncollectible':
        return validate(params, { expand }, () => {
          if (invoice.status !== 'open')
            return invalid(`You can only mark an open invoice uncollectible; this one is ${invoice.status}.`);
          invoice.status = 'uncollectible';
          invoice.transitions.marked_uncollectible_at = nowSeconds();
          emit(invoice, 'invoice.marked_uncollectible');
          return { status: 200, save: true, body: render(invoice) };
        });
      default:
        return unknownRoute(method, path);
    }
  };

  const unknownRoute = (method: string, path: string): Outcome =>
    stripeError(404, { message: `Unrecognized request URL (${method}: ${path}).` }, false);

  const authenticate = (request: LoopbackRequest): { account: string } | Outcome => {
    const header = request.headers['authorization'];
    if (header === undefined) {
      return stripeError(
        401,
        {
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        },
        false,
      );
    }
    let key: string | undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (bearer !== null) key = bearer[1];
    else if (basic !== null)
      key = Buffer.from(basic[1] ?? '', 'base64')
        .toString('utf8')
        .split(':')[0];
    const account = key === undefined ? undefined : options.keys[key];
    if (key === undefined || account === undefined) {
      return stripeError(401, { message: `Invalid API Key provided: ${mask(key ?? '')}` }, false);
    }
    return { account };
  };

  const handler = (request: LoopbackRequest): LoopbackResponse => {
    const auth = authenticate(request);
    if ('status' in auth) return auth;
    const { account } = auth;
    const version = request.headers['stripe-version'];
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) {
      return stripeError(400, { message: `Invalid Stripe API version: ${version}` }, false);
    }
    apiVersion = version;

    const failureAt = failures.findIndex((entry) => entry.matches(request));
    if (failureAt >= 0) {
      const [entry] = failures.splice(failureAt, 1);
      if (entry !== undefined) {
        return {
          status: entry.failure.status,
          body: entry.failure.body ?? { error: entry.failure.error },
          ...(entry.failure.headers === undefined ? {} : { headers: entry.failure.headers }),
        };
      }
    }

    const bodyText = request.rawBody.toString('utf8');
    if (
      request.method === 'POST' &&
      bodyText !== '' &&
      !(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ) {
      return stripeError(
        400,
        { message: 'Invalid request: bodies must be application/x-www-form-urlencoded.' },
        false,
      );
    }
    const params = decodeForm(bodyText);
    if (!params.ok) return paramError(params.error);
    const query = decodeForm(request.query.toString());
    if (!query.ok) return paramError(query.error);

    const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
    if (key !== undefined && key.length > 255) {
      return stripeError(
        400,
        { message: 'Idempotency keys can be at most 255 characters long.', param: 'Idempotency-Key' },
        false,
      );
    }
    const storeKey = `${account}\u0000${key ?? ''}`;
    const fingerprint = canonical({ method: request.method, path: request.path, params: params.value });
    if (key !== undefined) {
      for (const [k, entry] of saved) if (nowSeconds() - entry.at > IDEMPOTENCY_TTL_SECONDS) saved.delete(k);
      const previous = saved.get(storeKey);
      if (previous !== undefined) {
        if (previous.fingerprint !== fingerprint) {
          return stripeError(
            400,
            {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
            false,
          );
        }
        return {
          status: previous.outcome.status,
          body: previous.outcome.body,
          headers: { ...previous.outcome.headers, 'idempotent-replayed': 'true', 'idempotency-key': key },
        };
      }
    }
    const outcome = route(account, request.method, request.path, params.value, query.value);
    if (key !== undefined && outcome.save) saved.set(storeKey, { fingerprint, at: nowSeconds(), outcome });
    return {
      status: outcome.status,
      body: outcome.body,
      headers: {
        'request-id': `req_${String(seq).padStart(14, '0')}`,
        ...(key === undefined ? {} : { 'idempotency-key': key }),
        ...outcome.headers,
      },
    };
  };

  const loopback = await startLoopbackServer({
    handler,
    errorBody: (status, message) => ({
      error:
        status === 429
          ? { type: 'invalid_request_error', code: 'rate_limit', message }
          : { type: 'api_error', message },
    }),
  });

  return {
    ...loopback,
    invoices: () => [...invoices.values()],
    customers: () => [...customers.values()],
    taxRates: () => [...taxRates.values()],
    events: () => [...events],
    emails: () => [...emails],
    totals,
    render,
    payOnStripe: (invoiceId) => {
      const invoice = invoices.get(invoiceId);
      if (invoice === undefined) throw new Error(`no invoice ${invoiceId}`);
      const outcome = pay(invoice, false);
      if (outcome.status !== 200) throw new Error(`cannot pay ${invoiceId}: ${JSON.stringify(outcome.body)}`);
    },
    failNext: (failure, matches = () => true) => {
      failures.push({ failure, matches });
    },
    delivery: (eventId, secret) => {
      const event = events.find((e) => e.id === eventId);
      if (event === undefined) throw new Error(`no event ${eventId}`);
      const rawBody = Buffer.from(event.payload, 'utf8');
      return {
        rawBody,
        headers: {
          'stripe-signature': signStripeWebhook(rawBody, secret, nowSeconds()),
          'content-type': 'application/json',
        },
      };
    },
    lastApiVersion: () => apiVersion,
  };
};
