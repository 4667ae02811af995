import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * The parts of Stripe's responses the adapter reads (API version pinned in `provider.ts`), decoded rather
 * than trusted: the SDK's TypeScript types describe what Stripe promises, these codecs check what arrived.
 * Amounts are integers in Stripe's units (`currency.ts`).
 */

const Metadata = t.union([t.record(t.string, t.string), t.null]);

export const StripeInvoiceStatus = t.keyof({
  draft: null,
  open: null,
  paid: null,
  uncollectible: null,
  void: null,
});
export type StripeInvoiceStatus = t.TypeOf<typeof StripeInvoiceStatus>;

export const StripeCustomer = t.type(
  {
    id: t.string,
    object: t.literal('customer'),
    email: t.union([t.string, t.null]),
    metadata: Metadata,
  },
  'StripeCustomer',
);
export type StripeCustomer = t.TypeOf<typeof StripeCustomer>;

export const StripeTotalTax = t.type({ amount: t.Int }, 'StripeTotalTax');

export const StripeInvoice = t.intersection(
  [
    t.type({
      id: t.string,
      object: t.literal('invoice'),
      status: StripeInvoiceStatus,
      currency: t.string,
      total: t.Int,
      amount_due: t.Int,
      amount_paid: t.Int,
      amount_remaining: t.Int,
      number: t.union([t.string, t.null]),
      metadata: Metadata,
      total_taxes: t.union([t.array(StripeTotalTax), t.null]),
    }),
    t.partial({ hosted_invoice_url: t.union([t.string, t.null]) }),
  ],
  'StripeInvoice',
);
export type StripeInvoice = t.TypeOf<typeof StripeInvoice>;

export const StripeDeleted = t.type({ id: t.string, deleted: t.literal(true) }, 'StripeDeleted');

export const stripeList = <C extends t.Mixed>(item: C) =>
  t.type({ object: t.literal('list'), data: t.array(item), has_more: t.boolean }, `StripeList<${item.name}>`);

export const metadataOf = (object: { readonly metadata: Readonly<Record<string, string>> | null }) =>
  object.metadata ?? {};

/** The sum of Stripe's per-rate tax totals, in Stripe's units. */
export const taxTotalOf = (invoice: StripeInvoice): bigint =>
  (invoice.total_taxes ?? []).reduce((sum, entry) => sum + BigInt(entry.amount), 0n);

/** Paths that failed to decode, never the values (a response may echo customer data). */
export const describeDecodeErrors = (errors: t.Errors): string =>
  [
    ...new Set(
      errors.map((error) => {
        const path = error.context
          .map((entry) => entry.key)
          .filter((key) => key !== '')
          .join('.');
        const expected = error.context[error.context.length - 1]?.type.name ?? 'value';
        return `${path === '' ? '(root)' : path}: expected ${expected}`;
      }),
    ),
  ]
    .slice(0, 5)
    .join('; ');

export const decode = <A>(codec: t.Decoder<unknown, A>, value: unknown): E.Either<string, A> =>
  E.mapLeft(describeDecodeErrors)(codec.decode(value));
