import type { CurrencyCode, InvoiceId, TenantId, VatCategoryCode } from '@accrue/domain';
import type * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

/**
 * The outbound provider port (ADR 19). Five adapters (Stripe, Incard, Dollr, Invoro, Corebill) implement it and
 * run one contract suite (`@accrue/adapters/providers/testing`) against a loopback server per provider.
 *
 * Invariants every adapter keeps:
 * - Money crosses the port as `bigint` minor units of the invoice currency (ISO 4217 exponent); each adapter
 *   converts to its provider's unit and scale, and refuses (`ProviderRejected`, code `currency_precision`)
 *   rather than round when the provider cannot carry the amount exactly.
 * - Every operation is safe to repeat with the same `idempotencyKey`: the provider ends with one effect (its own
 *   idempotency key where it has one, look-up-before-create by our reference where it has none).
 * - Errors are tagged: `ProviderRejected` is permanent (retrying the same request cannot succeed);
 *   `ProviderUnavailable` is retryable and carries the delay the provider asked for, if any.
 * - Secrets never appear in errors, messages or logs.
 */

export const PROVIDER_NAMES = ['stripe', 'incard', 'dollr', 'invoro', 'corebill'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const isProviderName = (value: string): value is ProviderName =>
  (PROVIDER_NAMES as ReadonlyArray<string>).includes(value);

/** The operations the sync process manager can ask of a provider. */
export type ProviderOperation = 'issue' | 'send' | 'recordPayment' | 'void' | 'markUncollectible';

/** A permanent refusal: the request as sent can never succeed (validation, auth, missing permission, state). */
export interface ProviderRejected {
  readonly _tag: 'ProviderRejected';
  readonly provider: ProviderName;
  readonly operation: ProviderOperation | 'authenticate' | 'poll';
  /** The HTTP status, when the provider answered. */
  readonly status?: number;
  /** The provider's error code or type where it has one, else one of ours (`currency_precision`, …). */
  readonly code?: string;
  /** Human-readable, safe to log and to store in events: never a secret. */
  readonly message: string;
  readonly cause?: unknown;
}

/** A transient failure: 5xx, 429, timeout, dropped connection, token refresh failure. Retry later. */
export interface ProviderUnavailable {
  readonly _tag: 'ProviderUnavailable';
  readonly provider: ProviderName;
  readonly operation: ProviderOperation | 'authenticate' | 'poll';
  readonly status?: number;
  readonly message: string;
  /** From `Retry-After` (seconds or HTTP date) or the provider's rate-limit reset header. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export type ProviderError = ProviderRejected | ProviderUnavailable;

export const providerRejected = (fields: Omit<ProviderRejected, '_tag'>): ProviderRejected => ({
  _tag: 'ProviderRejected',
  ...fields,
});

export const providerUnavailable = (fields: Omit<ProviderUnavailable, '_tag'>): ProviderUnavailable => ({
  _tag: 'ProviderUnavailable',
  ...fields,
});

/** One VAT category and rate, as the invoice states it. `rate` is a decimal string in percent (`"21"`, `"5.5"`). */
export interface ProviderVat {
  readonly category: VatCategoryCode;
  readonly rate?: string;
  readonly exemptionReason?: string;
  readonly exemptionReasonCode?: string;
}

/**
 * One invoice line as a provider needs it. Amounts are exact and already rounded the EN 16931 way:
 * `netAmount` is BT-131 (after line allowances and charges, VAT excluded) and `taxAmount` is this line's share
 * of its VAT group's tax, allocated by largest remainder so that the shares of a group sum to that group's tax
 * exactly (ADR 19). A provider that is sent `netAmount` + `taxAmount` per line reproduces our totals to the unit.
 */
export interface ProviderLine {
  readonly id: string;
  readonly description: string;
  /** Decimal string, as entered (`"3"`, `"1.5"`). */
  readonly quantity: string;
  readonly unitCode?: string;
  /**
   * BT-146 net unit price per one unit of quantity, as an exact decimal string (may exceed the currency's
   * scale). VAT-inclusive when `pricesIncludeTax`: then `grossAmount` is quantity × price, `netAmount` derived.
   */
  readonly unitPrice: string;
  readonly netAmount: bigint;
  /** On tax-inclusive invoices: net + VAT of the line as entered (before any document allowance). */
  readonly grossAmount: bigint;
  readonly taxAmount: bigint;
  readonly vat: ProviderVat;
}

/** A document-level allowance (discount) or charge, VAT excluded, with its allocated tax. */
export interface ProviderAllowanceCharge {
  readonly reason: string;
  readonly amount: bigint;
  readonly taxAmount: bigint;
  readonly vat: ProviderVat;
  /** Set when the allowance or charge was a percentage of `baseAmount`. */
  readonly percent?: string;
  readonly baseAmount?: bigint;
}

export interface ProviderVatGroup {
  readonly vat: ProviderVat;
  readonly taxableAmount: bigint;
  readonly taxAmount: bigint;
}

export interface ProviderCustomer {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  readonly vatNumber?: string;
  readonly address?: {
    readonly line1: string;
    readonly line2?: string;
    readonly city: string;
    readonly postalCode: string;
    readonly country: string;
  };
}

/** BG-22 totals in minor units. `payableAmount` is what the customer must pay. */
export interface ProviderTotals {
  readonly lineExtensionAmount: bigint;
  readonly allowanceTotalAmount: bigint;
  readonly chargeTotalAmount: bigint;
  readonly taxExclusiveAmount: bigint;
  readonly taxAmount: bigint;
  readonly taxInclusiveAmount: bigint;
  readonly prepaidAmount: bigint;
  readonly payableRoundingAmount: bigint;
  readonly payableAmount: bigint;
}

/**
 * An approved invoice, flattened for providers (`toProviderInvoice`). Its totals are the frozen ones of the
 * `InvoiceApproved` event, and the lines and groups reproduce them exactly.
 */
export interface ProviderInvoice {
  readonly tenantId: TenantId;
  readonly invoiceId: InvoiceId;
  /** Our gap-free number (BT-1): the reference adapters look up before creating. */
  readonly number: string;
  readonly currency: CurrencyCode;
  /** `YYYY-MM-DD` */
  readonly issueDate: string;
  /** `YYYY-MM-DD` */
  readonly dueDate: string;
  readonly customer: ProviderCustomer;
  readonly pricesIncludeTax: boolean;
  readonly lines: ReadonlyArray<ProviderLine>;
  readonly allowances: ReadonlyArray<ProviderAllowanceCharge>;
  readonly charges: ReadonlyArray<ProviderAllowanceCharge>;
  readonly vatBreakdown: ReadonlyArray<ProviderVatGroup>;
  readonly totals: ProviderTotals;
  readonly notes?: string;
  /** BT-10 buyer reference. */
  readonly buyerReference?: string;
}

/** What the provider calls the invoice, and the hosted payment page when it has one. */
export interface ExternalInvoiceRef {
  readonly externalId: string;
  readonly paymentLink?: string;
}

/** A payment recorded in Accrue, to be mirrored at the provider (never one that came from this provider). */
export interface ProviderPayment {
  readonly paymentId: string;
  readonly amount: bigint;
  readonly currency: CurrencyCode;
  /** ISO 8601 timestamp. */
  readonly paidAt: string;
  /** True when this payment settles the invoice (amount due reaches zero). */
  readonly settlesInvoice: boolean;
  readonly reference?: string;
}

/**
 * Derived from our event ids (UUIDv5 of the triggering event and the operation), so a retried or redelivered
 * sync sends the same key. At most 255 characters.
 */
export type IdempotencyKey = string & { readonly IdempotencyKey: unique symbol };

export const idempotencyKey = (text: string): IdempotencyKey => text as IdempotencyKey;

export interface ProviderRequest<A> {
  readonly idempotencyKey: IdempotencyKey;
  readonly input: A;
}

/** What a provider reports about an invoice's payment when polled (Dollr has no webhooks). */
export interface PolledPaymentStatus {
  readonly externalId: string;
  readonly status: 'unpaid' | 'processing' | 'paid' | 'cancelled';
  /** Present when `status` is `paid`. */
  readonly paidAmount?: bigint;
  readonly paidAt?: string;
  /** The provider's id of the payment, stable across polls: it becomes our payment id (idempotent). */
  readonly providerPaymentId?: string;
}

export interface InvoiceProvider {
  readonly name: ProviderName;
  /**
   * What this provider can do beyond `issue`. The process manager requests nothing else: e.g. Incard has no
   * send, mark-paid or cancel endpoint, Invoro cannot void after sending.
   */
  readonly supports: ReadonlySet<Exclude<ProviderOperation, 'issue'>>;
  /**
   * Creates the invoice at the provider and brings it to its issued state (Stripe: draft, lines, taxes,
   * finalize; Dollr: create, items, publish; Invoro and Corebill: draft with our totals; Incard: outbound
   * invoice). Repeating it after any failure, even one after the provider acted, yields the same invoice.
   */
  readonly issue: (
    request: ProviderRequest<ProviderInvoice>,
  ) => TE.TaskEither<ProviderError, ExternalInvoiceRef>;
  readonly send?: (
    request: ProviderRequest<{ readonly ref: ExternalInvoiceRef; readonly invoice: ProviderInvoice }>,
  ) => TE.TaskEither<ProviderError, void>;
  readonly recordPayment?: (
    request: ProviderRequest<{
      readonly ref: ExternalInvoiceRef;
      readonly invoice: ProviderInvoice;
      readonly payment: ProviderPayment;
    }>,
  ) => TE.TaskEither<ProviderError, void>;
  readonly void?: (
    request: ProviderRequest<{
      readonly ref: ExternalInvoiceRef;
      readonly invoice: ProviderInvoice;
      readonly reason: string;
    }>,
  ) => TE.TaskEither<ProviderError, void>;
  readonly markUncollectible?: (
    request: ProviderRequest<{ readonly ref: ExternalInvoiceRef; readonly invoice: ProviderInvoice }>,
  ) => TE.TaskEither<ProviderError, void>;
  /** Only for providers without payment webhooks (Dollr). */
  readonly pollPayment?: (ref: ExternalInvoiceRef) => TE.TaskEither<ProviderError, PolledPaymentStatus>;
}

// ---------------------------------------------------------------------------------------------------------
// Inbound webhooks

/** What a verified webhook means for Accrue. Everything else a provider sends is `Ignored` (and answered 2xx). */
export type ProviderNotification =
  | {
      readonly _tag: 'PaymentReceived';
      /** The provider's event id: deduplication key, and the source of our payment id. */
      readonly eventId: string;
      readonly externalId: string;
      readonly amount: bigint;
      readonly currency: CurrencyCode;
      /** ISO 8601 timestamp. */
      readonly paidAt: string;
      readonly reference?: string;
    }
  | {
      readonly _tag: 'Delivered';
      readonly eventId: string;
      readonly externalId: string;
      readonly channel: string;
      readonly deliveredAt: string;
    }
  | { readonly _tag: 'Ignored'; readonly eventId?: string; readonly eventType: string };

export interface WebhookRejected {
  readonly _tag: 'WebhookRejected';
  readonly provider: ProviderName;
  readonly reason: 'missing_signature' | 'bad_signature' | 'stale' | 'malformed';
  /** Safe to log and to answer with: never the secret or the expected signature. */
  readonly message: string;
}

export const webhookRejected = (
  provider: ProviderName,
  reason: WebhookRejected['reason'],
  message: string,
): WebhookRejected => ({ _tag: 'WebhookRejected', provider, reason, message });

export interface WebhookInput {
  /** Exactly the bytes received: signatures are over the raw body, never a re-serialisation. */
  readonly rawBody: Buffer;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly secret: string;
  /** Injected clock, for timestamp tolerance. */
  readonly now: Date;
}

/**
 * Verifies a webhook's signature (constant-time comparison) and freshness, then decodes it. A forged, stale or
 * malformed delivery is `WebhookRejected` and must change nothing. Replays of a genuine delivery verify again;
 * deduplication happens downstream by `eventId` (commands are idempotent by command id).
 */
export type WebhookVerifier = (input: WebhookInput) => E.Either<WebhookRejected, ProviderNotification>;
