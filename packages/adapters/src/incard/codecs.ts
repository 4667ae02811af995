import * as t from 'io-ts';

import { ExactInteger, ExactNumber } from '../providers/exactJson.js';

/**
 * Incard's answers, as far as they are documented (docs.incard.com API reference). Bodies are read with
 * `parseExactJson`, so numbers arrive as `JsonNumber`s. Fields the docs do not show are optional, and the
 * codecs are not strict: Incard adding fields must not break us.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** `POST /auth/v1/token` and `/auth/v1/sandbox/token`. */
export const IncardToken = t.type({ access_token: t.string, expires_at: t.string }, 'IncardToken');
export type IncardToken = t.TypeOf<typeof IncardToken>;

/** `POST /developer/company/invoices` → 201. There is no invoice id: only the hosted page. */
export const IncardCreated = t.type(
  { success: t.boolean, data: t.type({ payment_link: t.string }) },
  'IncardCreated',
);
export type IncardCreated = t.TypeOf<typeof IncardCreated>;

/** A 2xx envelope that says it did not work. */
export const IncardRefused = t.type({ success: t.literal(false) }, 'IncardRefused');

/**
 * One invoice of the list. The documented fields are `id, public_id, status, cancelled_at, transaction_id,
 * …`; that the list also echoes `invoice_number`, `reference` and `amount` is our assumption (the look-up
 * before create needs one of the first two, ADR 13).
 */
export const IncardListedInvoice = t.intersection(
  [
    t.type({ id: t.string, public_id: t.string }),
    t.partial({
      status: nullable(t.string),
      invoice_number: nullable(t.string),
      reference: nullable(t.string),
      amount: nullable(ExactNumber),
      cancelled_at: nullable(t.string),
      transaction_id: nullable(t.string),
      payment_link: nullable(t.string),
    }),
  ],
  'IncardListedInvoice',
);
export type IncardListedInvoice = t.TypeOf<typeof IncardListedInvoice>;

/**
 * `GET /developer/companies/invoices?take=&skip=`. The page's shape inside `data` is not published: a bare
 * array or `{invoices: [...]}` (like the get endpoint's `{invoice}`) are both read.
 */
export const IncardInvoicePage = t.intersection(
  [
    t.type({
      data: t.union([t.array(IncardListedInvoice), t.type({ invoices: t.array(IncardListedInvoice) })]),
    }),
    t.partial({
      success: t.boolean,
      meta: t.partial({ total: ExactInteger, take: ExactInteger, skip: ExactInteger }),
    }),
  ],
  'IncardInvoicePage',
);
export type IncardInvoicePage = t.TypeOf<typeof IncardInvoicePage>;

/** Error bodies are undocumented: the usual places a message or code is found. */
export const IncardErrorBody = t.partial({
  message: t.string,
  code: t.string,
  error: t.union([t.string, t.partial({ message: t.string, code: t.string })]),
});
export type IncardErrorBody = t.TypeOf<typeof IncardErrorBody>;
