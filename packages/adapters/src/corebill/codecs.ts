import * as t from 'io-ts';

import { ExactNumber } from '../providers/exactJson.js';

/**
 * Corebill's answers (www.corebill.io/docs), read with `parseExactJson`: amounts are JSON numbers in major units
 * ("$75 is 75") and arrive here as their exact source text. Codecs are not strict: new fields must not break us.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/** A recorded payment. That the invoice object lists them (with our `reference`) is our assumption (ADR 16). */
export const CorebillPayment = t.intersection(
  [
    t.type({ amount: ExactNumber }),
    t.partial({
      id: t.string,
      payment_date: nullable(t.string),
      payment_method: nullable(t.string),
      reference: nullable(t.string),
    }),
  ],
  'CorebillPayment',
);
export type CorebillPayment = t.TypeOf<typeof CorebillPayment>;

/** The invoice object (`POST /invoices`, `GET /invoices/{id}`, list entries). */
export const CorebillInvoice = t.intersection(
  [
    t.type({ id: t.string, status: t.string, total: ExactNumber }),
    t.partial({
      invoice_number: nullable(t.string),
      currency: nullable(t.string),
      notes: nullable(t.string),
      customer_id: nullable(t.string),
      tax_rate: nullable(ExactNumber),
      tax_amount: nullable(ExactNumber),
      amount_paid: nullable(ExactNumber),
      amount_due: nullable(ExactNumber),
      payments: nullable(t.array(CorebillPayment)),
    }),
  ],
  'CorebillInvoice',
);
export type CorebillInvoice = t.TypeOf<typeof CorebillInvoice>;

/** `GET /invoices`: `{object:"list", url, data, has_more, next_cursor}`. */
export const CorebillInvoiceList = t.intersection(
  [
    t.type({ data: t.array(CorebillInvoice), has_more: t.boolean }),
    t.partial({ next_cursor: nullable(t.string) }),
  ],
  'CorebillInvoiceList',
);
export type CorebillInvoiceList = t.TypeOf<typeof CorebillInvoiceList>;

/** `{"error": "Human-readable message"}` (400, 401, 403, 404, 500). */
export const CorebillErrorBody = t.type({ error: t.string }, 'CorebillErrorBody');
