import * as t from 'io-ts';

import { JsonNumber } from '../providers/exactJson.js';

/**
 * Invoro's answers (docs.invoro.eu API reference, `InvoiceResource`), read with `parseExactJson` so numbers
 * arrive as `JsonNumber`s and cents never pass through a float. Codecs are not strict: Invoro adding fields must
 * not break us. Where the reference marks a field required we require it, except what we never read.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** An integer amount in cents (`amount`, `total_paid_cents`, `price`…), as an exact `bigint`. */
export const Cents = new t.Type<bigint, JsonNumber, unknown>(
  'Cents',
  (u): u is bigint => typeof u === 'bigint',
  (u, context) =>
    u instanceof JsonNumber && /^-?(0|[1-9][0-9]*)$/.test(u.text)
      ? t.success(BigInt(u.text))
      : t.failure(u, context, 'expected an integer number of cents'),
  (value) => JsonNumber.unsafe(value.toString()),
);

/**
 * One invoice (`InvoiceResource`). Our invoice number lives in `ubl_json.header.invoice_number` (the resource has
 * no top-level number); a top-level `invoice_number`, should a list return one instead of the UBL JSON, is read
 * too.
 */
export const InvoroInvoice = t.intersection(
  [
    t.type({
      id: t.string,
      /** draft, approved, sending, sent, delivered, failed, cancelled */
      state: t.string,
      /** Total in cents. */
      amount: Cents,
      currency: t.string,
    }),
    t.partial({
      invoice_number: nullable(t.string),
      ubl_json: nullable(
        t.partial({
          header: nullable(t.partial({ invoice_number: nullable(t.string), currency: nullable(t.string) })),
          totals: nullable(t.partial({ payable_amount: nullable(Cents), tax_amount: nullable(Cents) })),
        }),
      ),
      direction: t.string,
      deleted_at: nullable(t.string),
      payment_status: nullable(t.string),
      total_paid_cents: nullable(Cents),
      delivery_network_id: nullable(t.string),
      is_test: t.boolean,
      created_at: t.string,
      updated_at: t.string,
    }),
  ],
  'InvoroInvoice',
);
export type InvoroInvoice = t.TypeOf<typeof InvoroInvoice>;

/** `POST /invoices`, `GET /invoices/{id}`, `POST /invoices/{id}/send`: `{success, data, message?}`. */
export const InvoroInvoiceEnvelope = t.type({ data: InvoroInvoice }, 'InvoroInvoiceEnvelope');

/**
 * `GET /invoices`: a page of resources. The paginator is not in the material we have; we read the usual
 * `meta.current_page/last_page` (or top-level `current_page/last_page`) and, without either, treat the answer
 * as the only page.
 */
const PageMeta = t.partial({ current_page: Cents, last_page: Cents });
export const InvoroInvoicePage = t.intersection(
  [t.type({ data: t.array(InvoroInvoice) }), t.partial({ meta: nullable(PageMeta) }), PageMeta],
  'InvoroInvoicePage',
);
export type InvoroInvoicePage = t.TypeOf<typeof InvoroInvoicePage>;

/** `{success:false, data:null, message, errors:{field:[msgs]}|null}` (401, 403, 404, 422, 500). */
export const InvoroErrorBody = t.partial(
  { message: t.string, errors: nullable(t.record(t.string, t.union([t.array(t.string), t.string]))) },
  'InvoroErrorBody',
);
export type InvoroErrorBody = t.TypeOf<typeof InvoroErrorBody>;
