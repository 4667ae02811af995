import * as t from 'io-ts';

/**
 * Identifiers: letters, digits and `_ . : -`, starting with a letter or digit, at most 128 characters. UUIDs,
 * ULIDs and most ERP keys fit; the restriction keeps ids safe to embed in stream names, URLs and logs.
 */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const isIdentifier = (text: string): boolean => ID_PATTERN.test(text);

export interface TenantIdBrand {
  readonly TenantId: unique symbol;
}
export const TenantId = t.brand(
  t.string,
  (text): text is t.Branded<string, TenantIdBrand> => isIdentifier(text),
  'TenantId',
);
export type TenantId = t.TypeOf<typeof TenantId>;

export interface InvoiceIdBrand {
  readonly InvoiceId: unique symbol;
}
export const InvoiceId = t.brand(
  t.string,
  (text): text is t.Branded<string, InvoiceIdBrand> => isIdentifier(text),
  'InvoiceId',
);
export type InvoiceId = t.TypeOf<typeof InvoiceId>;

export interface CreditNoteIdBrand {
  readonly CreditNoteId: unique symbol;
}
export const CreditNoteId = t.brand(
  t.string,
  (text): text is t.Branded<string, CreditNoteIdBrand> => isIdentifier(text),
  'CreditNoteId',
);
export type CreditNoteId = t.TypeOf<typeof CreditNoteId>;

/** No control characters: payment ids come from banks and providers and end up in logs and read models. */
const PAYMENT_ID_PATTERN = /^[^\p{Cc}]{1,200}$/u;

export interface PaymentIdBrand {
  readonly PaymentId: unique symbol;
}
/** A payment's id as the payment provider or bank gives it (`pi_3N…`, a bank transaction reference). */
export const PaymentId = t.brand(
  t.string,
  (text): text is t.Branded<string, PaymentIdBrand> => PAYMENT_ID_PATTERN.test(text) && text.trim() === text,
  'PaymentId',
);
export type PaymentId = t.TypeOf<typeof PaymentId>;
