import * as t from 'io-ts';

/** Free text people type is bounded, so one hostile field cannot bloat every event that copies it. */
const MAX_TEXT_LENGTH = 2000;

export interface NonEmptyStringBrand {
  readonly NonEmptyString: unique symbol;
}

/** Text with at least one visible character, at most 2000 characters (names, reasons). */
export const NonEmptyString = t.brand(
  t.string,
  (text): text is t.Branded<string, NonEmptyStringBrand> =>
    text.trim().length > 0 && text.length <= MAX_TEXT_LENGTH,
  'NonEmptyString',
);
export type NonEmptyString = t.TypeOf<typeof NonEmptyString>;

export interface EmailAddressBrand {
  readonly EmailAddress: unique symbol;
}

/** A plausible address (`local@domain`): deliverability is the mail channel's business, not the domain's. */
export const EmailAddress = t.brand(
  t.string,
  (text): text is t.Branded<string, EmailAddressBrand> =>
    text.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text),
  'EmailAddress',
);
export type EmailAddress = t.TypeOf<typeof EmailAddress>;

export interface CountryCodeBrand {
  readonly CountryCode: unique symbol;
}

/** ISO 3166-1 alpha-2 (`DE`, `NO`), the form EN 16931 wants for BT-55/BT-40. Shape only, no country table. */
export const CountryCode = t.brand(
  t.string,
  (text): text is t.Branded<string, CountryCodeBrand> => /^[A-Z]{2}$/.test(text),
  'CountryCode',
);
export type CountryCode = t.TypeOf<typeof CountryCode>;
