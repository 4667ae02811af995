import { createHash } from 'node:crypto';

import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';
import Stripe from 'stripe';

import type {
  ExternalInvoiceRef,
  IdempotencyKey,
  InvoiceProvider,
  ProviderError,
  ProviderOperation,
  ProviderRejected,
} from '../providers/port.js';
import { providerRejected, providerUnavailable } from '../providers/port.js';
import type { StripeCustomer, StripeInvoice } from './codecs.js';
import {
  StripeCustomer as StripeCustomerCodec,
  StripeDeleted,
  StripeInvoice as StripeInvoiceCodec,
  decode,
  metadataOf,
  stripeList,
  taxTotalOf,
} from './codecs.js';
import type { StripeConnectionConfig } from './config.js';
import { DEFAULT_TIMEOUT_MS, STRIPE_API_URL } from './config.js';
import { fromStripeError } from './errors.js';
import type { StripeIssuePlan } from './mapping.js';
import { STRIPE_METADATA, planIssue } from './mapping.js';

/**
 * The API version every request pins (`Stripe-Version`). It is the version stripe-node 23.1.0 is generated
 * from, so the SDK's types, our codecs and Stripe's answers describe the same objects.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const satisfies Stripe.LatestApiVersion;

export interface StripeProviderConfig extends StripeConnectionConfig {
  /** Wall clock: the due-date check and HTTP-date `Retry-After`. */
  readonly now?: () => Date;
}

/** List pages read when looking up before creating (100 objects each). */
const MAX_LOOKUP_PAGES = 10;

/**
 * `${key}:${step}` for each request of an operation: stable across retries of the same operation (the
 * process manager retries with the same key), distinct per request (Stripe refuses one key for two different
 * requests). Kept within Stripe's 255 characters by hashing an overlong key.
 */
export const stepKey = (key: IdempotencyKey, step: string): string => {
  const candidate = `${key}:${step}`;
  return candidate.length <= 255 ? candidate : `${createHash('sha256').update(key).digest('hex')}:${step}`;
};

type Operation = ProviderOperation;

/**
 * stripe-node retries a request whose connection was closed (`ECONNRESET`, `EPIPE`) once even with
 * `maxNetworkRetries: 0` (stripe-node #1040), noting that the retry "is not guaranteed to be a no-op". The
 * sync process manager owns retries (with backoff, counting attempts, honouring the same idempotency key), so
 * the error is renamed before the SDK sees it: it then surfaces as a `StripeConnectionError` like any other
 * failure to get an answer.
 */
const withoutSilentRetry = (inner: Stripe.HttpClient): Stripe.HttpClient => ({
  getClientName: () => inner.getClientName(),
  makeRequest: (...args) =>
    inner.makeRequest(...args).catch((error: unknown) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
      return Promise.reject(
        code === 'ECONNRESET' || code === 'EPIPE'
          ? Object.assign(new Error(`connection closed without an answer (${code})`), {
              code: 'ECONNCLOSED',
              cause: error,
            })
          : error instanceof Error
            ? error
            : new Error(String(error)),
      );
    }),
});

/**
 * The Stripe adapter (ADR 12), on the official SDK with retries off (`maxNetworkRetries: 0`: the sync process
 * manager retries, with the same idempotency key) and the timeout from the configuration.
 *
 * `issue` = customer (found by email and our metadata, then updated; or created) → draft invoice (found by our
 * metadata, or created with `auto_advance: false`, `collection_method: send_invoice`, our number) → lines
 * with our taxes (`add_lines`, in batches that record their progress in the invoice's metadata) → a check that
 * Stripe's total and tax equal ours → `finalize`. Every POST carries `Idempotency-Key: <key>:<step>`; the
 * look-ups make a retry after Stripe's 24-hour key expiry safe too.
 *
 * `recordPayment` mirrors only a payment that settles the invoice (`pay` with `paid_out_of_band`); a partial
 * payment is refused with `partial_payment_unsupported` (ADR 12).
 */
export const createStripeProvider = (config: StripeProviderConfig): InvoiceProvider => {
  const base = new URL(config.baseUrl ?? STRIPE_API_URL);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  const stripe = new Stripe(config.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: base.hostname,
    port: base.port === '' ? (protocol === 'http' ? 80 : 443) : Number(base.port),
    protocol,
    maxNetworkRetries: 0,
    httpClient: withoutSilentRetry(Stripe.createNodeHttpClient()),
    timeout: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'accrue' },
  });
  const now = config.now ?? (() => new Date());

  /** One SDK call, its answer decoded; every failure tagged. */
  const call =
    <A>(
      operation: Operation,
      codec: t.Decoder<unknown, A>,
      request: () => Promise<unknown>,
    ): TE.TaskEither<ProviderError, A> =>
    async () => {
      let answer: unknown;
      try {
        answer = await request();
      } catch (error) {
        return E.left(fromStripeError(operation, now())(error));
      }
      return E.mapLeft((problem: string): ProviderError =>
        // A 2xx we cannot read: the request may have acted, so this is retried (look-ups run first).
        providerUnavailable({
          provider: 'stripe',
          operation,
          message: `unexpected answer from Stripe: ${problem}`,
        }),
      )(decode(codec, answer));
    };

  const rejected = (operation: Operation, code: string, message: string): ProviderRejected =>
    providerRejected({ provider: 'stripe', operation, code, message });

  const CustomerList = stripeList(StripeCustomerCodec);
  const InvoiceList = stripeList(StripeInvoiceCodec);

  /** Walks a list endpoint until `found` matches or the pages run out (bounded). */
  const lookUp =
    <A extends { readonly id: string }>(
      page: (
        startingAfter: string | undefined,
      ) => TE.TaskEither<ProviderError, { data: A[]; has_more: boolean }>,
      found: (item: A) => boolean,
    ): TE.TaskEither<ProviderError, ReadonlyArray<A>> =>
    async () => {
      const matches: A[] = [];
      let startingAfter: string | undefined;
      for (let pages = 0; pages < MAX_LOOKUP_PAGES; pages += 1) {
        const result = await page(startingAfter)();
        if (E.isLeft(result)) return result;
        matches.push(...result.right.data.filter(found));
        const last = result.right.data[result.right.data.length - 1];
        if (!result.right.has_more || last === undefined) break;
        startingAfter = last.id;
      }
      return E.right(matches);
    };

  const ensureCustomer = (
    plan: StripeIssuePlan,
    key: IdempotencyKey,
  ): TE.TaskEither<ProviderError, string> => {
    const ours = (customer: StripeCustomer) => {
      const metadata = metadataOf(customer);
      return (
        metadata[STRIPE_METADATA.tenantId] === plan.customer.metadata[STRIPE_METADATA.tenantId] &&
        metadata[STRIPE_METADATA.customerId] === plan.customer.metadata[STRIPE_METADATA.customerId]
      );
    };
    const { email } = plan.customer;
    const existing: TE.TaskEither<ProviderError, ReadonlyArray<StripeCustomer>> = email === undefined
      ? TE.right([])
      : lookUp(
          (startingAfter) =>
            call('issue', CustomerList, () =>
              stripe.customers.list({
                email,
                limit: 100,
                ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
              }),
            ),
          ours,
        );
    return pipe(
      existing,
      TE.flatMap((found) => {
        const [customer] = found;
        // Updated on every issue so the invoice Stripe renders carries the customer's current name and address.
        return customer === undefined
          ? call('issue', StripeCustomerCodec, () =>
              stripe.customers.create(plan.customer.params, {
                idempotencyKey: stepKey(key, 'customer-create'),
              }),
            )
          : call('issue', StripeCustomerCodec, () =>
              stripe.customers.update(customer.id, plan.customer.params, {
                idempotencyKey: stepKey(key, 'customer-update'),
              }),
            );
      }),
      TE.map((customer) => customer.id),
    );
  };

  const findInvoice = (
    plan: StripeIssuePlan,
    customerId: string,
  ): TE.TaskEither<ProviderError, StripeInvoice | undefined> =>
    pipe(
      lookUp(
        (startingAfter) =>
          call('issue', InvoiceList, () =>
            stripe.invoices.list({
              customer: customerId,
              limit: 100,
              ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
            }),
          ),
        (invoice) => {
          const metadata = metadataOf(invoice);
          return (
            metadata[STRIPE_METADATA.tenantId] === plan.invoiceMetadata[STRIPE_METADATA.tenantId] &&
            metadata[STRIPE_METADATA.invoiceId] === plan.invoiceMetadata[STRIPE_METADATA.invoiceId]
          );
        },
      ),
      TE.flatMap((found) =>
        found.length > 1
          ? TE.left<ProviderError, StripeInvoice | undefined>(
              rejected(
                'issue',
                'duplicate_at_provider',
                `Stripe holds ${found.length} invoices for this Accrue invoice (${found.map((i) => i.id).join(', ')}); resolve by hand`,
              ),
            )
          : TE.right(found[0]),
      ),
    );

  const checkTotals = (
    plan: StripeIssuePlan,
    invoice: StripeInvoice,
  ): E.Either<ProviderError, StripeInvoice> => {
    const total = BigInt(invoice.total);
    const tax = taxTotalOf(invoice);
    return total === plan.expected.amountDue && tax === plan.expected.tax
      ? E.right(invoice)
      : E.left(
          rejected(
            'issue',
            'total_mismatch',
            `Stripe computed total ${total} (tax ${tax}) for ${invoice.id}, we issued ${plan.expected.amountDue} (tax ${plan.expected.tax}); not finalized`,
          ),
        );
  };

  /** Adds the batches not yet recorded in the draft's metadata, each atomically with its progress marker. */
  const addMissingLines =
    (
      plan: StripeIssuePlan,
      draft: StripeInvoice,
      key: IdempotencyKey,
    ): TE.TaskEither<ProviderError, StripeInvoice> =>
    async () => {
      const done = Number(metadataOf(draft)[STRIPE_METADATA.lineBatches] ?? '0');
      if (!Number.isInteger(done) || done < 0 || done > plan.lineBatches.length) {
        return E.left(
          rejected('issue', 'unexpected_state', `draft ${draft.id} records ${done} line batches`),
        );
      }
      let current = draft;
      for (let batch = done; batch < plan.lineBatches.length; batch += 1) {
        const lines = plan.lineBatches[batch] ?? [];
        const result = await call('issue', StripeInvoiceCodec, () =>
          stripe.invoices.addLines(
            current.id,
            { lines: [...lines], invoice_metadata: { [STRIPE_METADATA.lineBatches]: String(batch + 1) } },
            { idempotencyKey: stepKey(key, `lines-${batch + 1}`) },
          ),
        )();
        if (E.isLeft(result)) return result;
        current = result.right;
      }
      return E.right(current);
    };

  const refOf = (invoice: StripeInvoice): ExternalInvoiceRef => ({
    externalId: invoice.id,
    ...(invoice.hosted_invoice_url === undefined || invoice.hosted_invoice_url === null
      ? {}
      : { paymentLink: invoice.hosted_invoice_url }),
  });

  const retrieve = (operation: Operation, id: string) =>
    call(operation, StripeInvoiceCodec, () => stripe.invoices.retrieve(id));

  const provider: InvoiceProvider = {
    name: 'stripe',
    supports: new Set(['send', 'recordPayment', 'void', 'markUncollectible']),

    issue: ({ idempotencyKey: key, input: invoice }) =>
      pipe(
        TE.fromEither(planIssue(invoice, now())),
        TE.flatMap((plan) =>
          pipe(
            ensureCustomer(plan, key),
            TE.flatMap((customerId) =>
              pipe(
                findInvoice(plan, customerId),
                TE.flatMap((existing) =>
                  existing === undefined
                    ? call('issue', StripeInvoiceCodec, () =>
                        stripe.invoices.create(
                          { ...plan.invoice, customer: customerId },
                          { idempotencyKey: stepKey(key, 'invoice') },
                        ),
                      )
                    : TE.right(existing),
                ),
              ),
            ),
            TE.flatMap((found) =>
              found.status === 'draft'
                ? pipe(
                    addMissingLines(plan, found, key),
                    TE.flatMapEither((draft) => checkTotals(plan, draft)),
                    TE.flatMap((draft) =>
                      call('issue', StripeInvoiceCodec, () =>
                        stripe.invoices.finalizeInvoice(
                          draft.id,
                          { auto_advance: false },
                          { idempotencyKey: stepKey(key, 'finalize') },
                        ),
                      ),
                    ),
                  )
                : TE.fromEither(checkTotals(plan, found)),
            ),
            TE.map(refOf),
          ),
        ),
      ),

    send: ({ idempotencyKey: key, input: { ref } }) =>
      pipe(
        call('send', StripeInvoiceCodec, () =>
          stripe.invoices.sendInvoice(ref.externalId, {}, { idempotencyKey: stepKey(key, 'send') }),
        ),
        TE.map(() => undefined),
      ),

    recordPayment: ({ idempotencyKey: key, input: { ref, invoice, payment } }) => {
      if (!payment.settlesInvoice) {
        return TE.left(
          rejected(
            'recordPayment',
            'partial_payment_unsupported',
            'Stripe marks an invoice paid out of band only in full; this partial payment is not mirrored (the invoice is marked paid when a payment settles it)',
          ),
        );
      }
      if (payment.currency !== invoice.currency) {
        return TE.left(
          rejected(
            'recordPayment',
            'currency_mismatch',
            `payment in ${payment.currency}, invoice in ${invoice.currency}`,
          ),
        );
      }
      return pipe(
        retrieve('recordPayment', ref.externalId),
        TE.flatMap((current) => {
          if (current.status === 'paid') return TE.right(undefined);
          // Marked first, so that the `invoice.paid` webhook this causes is known to come from Accrue.
          const mark: TE.TaskEither<ProviderError, unknown> =
            metadataOf(current)[STRIPE_METADATA.paymentId] === payment.paymentId
              ? TE.right(current)
              : call('recordPayment', StripeInvoiceCodec, () =>
                  stripe.invoices.update(
                    current.id,
                    { metadata: { [STRIPE_METADATA.paymentId]: payment.paymentId } },
                    { idempotencyKey: stepKey(key, 'mark-paid') },
                  ),
                );
          return pipe(
            mark,
            TE.flatMap(() =>
              call('recordPayment', StripeInvoiceCodec, () =>
                stripe.invoices.pay(
                  current.id,
                  { paid_out_of_band: true },
                  { idempotencyKey: stepKey(key, 'pay') },
                ),
              ),
            ),
            TE.map(() => undefined),
          );
        }),
      );
    },

    void: ({ idempotencyKey: key, input: { ref } }) =>
      pipe(
        retrieve('void', ref.externalId),
        TE.flatMap((current) => {
          if (current.status === 'void') return TE.right(undefined);
          // Stripe voids only finalized invoices; a draft (an issue that never finished) is deleted instead.
          if (current.status === 'draft') {
            return pipe(
              call('void', StripeDeleted, () => stripe.invoices.del(current.id)),
              TE.map(() => undefined),
            );
          }
          return pipe(
            call('void', StripeInvoiceCodec, () =>
              stripe.invoices.voidInvoice(current.id, {}, { idempotencyKey: stepKey(key, 'void') }),
            ),
            TE.map(() => undefined),
          );
        }),
        // A deleted draft is gone for good ("No such invoice"): what void asked for is true.
        TE.orElse((error) =>
          error._tag === 'ProviderRejected' && error.status === 404 && error.code === 'resource_missing'
            ? TE.right(undefined)
            : TE.left(error),
        ),
      ),

    markUncollectible: ({ idempotencyKey: key, input: { ref } }) =>
      pipe(
        retrieve('markUncollectible', ref.externalId),
        TE.flatMap((current) =>
          current.status === 'uncollectible'
            ? TE.right(undefined)
            : pipe(
                call('markUncollectible', StripeInvoiceCodec, () =>
                  stripe.invoices.markUncollectible(
                    current.id,
                    {},
                    { idempotencyKey: stepKey(key, 'uncollectible') },
                  ),
                ),
                TE.map(() => undefined),
              ),
        ),
      ),
  };
  return provider;
};
