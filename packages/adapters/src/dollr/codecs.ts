import * as t from 'io-ts';

import { ExactInteger, ExactNumber } from '../providers/exactJson.js';

/**
 * Dollr's answers (docs.heydollr.app, repo `dollr_api_docs`). Bodies are read with `parseExactJson`, so
 * numbers arrive as `JsonNumber`s and amounts stay decimal text. Not strict: Dollr adding fields must not
 * break us.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** `POST /v1/jwt/client/obtain/token`: `expires_in` is in **minutes**. */
export const DollrToken = t.type({ access_token: t.string, expires_in: ExactInteger }, 'DollrToken');

/** An invoice line; the docs do not show whether `retrieve` includes them (ADR 14: read when present). */
export const DollrItem = t.intersection([
  t.type({ name: t.string, qty: ExactInteger, amount: ExactNumber }),
  t.partial({ id: ExactInteger, currency: t.string }),
]);
export type DollrItem = t.TypeOf<typeof DollrItem>;

/** `InvoiceResponse`. */
export const DollrInvoice = t.intersection(
  [
    t.type({ id: ExactInteger, currency: t.string, status: t.string, total_amount: ExactNumber }),
    t.partial({
      invoice_number: nullable(t.string),
      reference_id: nullable(t.string),
      paid_at: nullable(t.string),
      updated_at: nullable(t.string),
      items: nullable(t.array(DollrItem)),
    }),
  ],
  'DollrInvoice',
);
export type DollrInvoice = t.TypeOf<typeof DollrInvoice>;

/** `GET /v1/invoices/list`: its envelope is not published; a bare array and the common wrappers are read. */
export const DollrInvoiceList = t.union([
  t.array(DollrInvoice),
  t.type({ items: t.array(DollrInvoice) }),
  t.type({ data: t.array(DollrInvoice) }),
  t.type({ results: t.array(DollrInvoice) }),
]);
export type DollrInvoiceList = t.TypeOf<typeof DollrInvoiceList>;

/** FastAPI errors: `{"detail": "..."}` or the 422 `{"detail": [{loc, msg, type}]}`. */
export const DollrErrorBody = t.type({
  detail: t.union([
    t.string,
    t.array(
      t.intersection([
        t.type({ msg: t.string }),
        t.partial({ loc: t.array(t.union([t.string, ExactInteger])), type: t.string }),
      ]),
    ),
  ]),
});
export type DollrErrorBody = t.TypeOf<typeof DollrErrorBody>;
