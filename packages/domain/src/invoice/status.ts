import * as t from 'io-ts';

/** The lifecycle statuses an invoice can be in (`overdue` is derived by read models, never stored). */
export const InvoiceStatus = t.keyof(
  {
    draft: null,
    approved: null,
    sent: null,
    partially_paid: null,
    paid: null,
    void: null,
    uncollectible: null,
  },
  'InvoiceStatus',
);
export type InvoiceStatus = t.TypeOf<typeof InvoiceStatus>;
