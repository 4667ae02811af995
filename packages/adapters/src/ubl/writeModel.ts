import { CountryCode, NonEmptyString } from '@accrue/domain';
import * as t from 'io-ts';

/**
 * BG-5 / BG-8 postal address as the UBL export writes it. Only the country (BT-40 / BT-55) is mandatory in
 * EN 16931; the other lines are written when known.
 */
export const UblPostalAddress = t.intersection(
  [
    t.strict({ countryCode: CountryCode }),
    t.partial({
      streetName: NonEmptyString,
      additionalStreetName: NonEmptyString,
      cityName: NonEmptyString,
      postalZone: NonEmptyString,
      countrySubentity: NonEmptyString,
    }),
  ],
  'UblPostalAddress',
);
export type UblPostalAddress = t.TypeOf<typeof UblPostalAddress>;

/**
 * The seller (BG-4): the tenant issuing the invoice. Accrue's events do not hold it, so every export takes it
 * as input; there is deliberately no default.
 *
 * - `name`: BT-27 legal registration name.
 * - `address`: BG-5, with at least BT-40 country.
 * - `vatId`: BT-31, with its country prefix (`SE556677889901`). Required whenever a VAT category other than O
 *   appears (BR-S-02, BR-Z-02, BR-E-02, BR-AE-02, BR-IC-02, BR-G-02); never written on an O-only document (BR-O-02).
 * - `legalRegistrationId`: BT-30, the company registration number.
 * - `endpoint`: BT-34 electronic address with its EAS scheme (`{ scheme: '0088', id: '7300010000001' }`);
 *   Peppol requires it to deliver the document (PEPPOL-EN16931-R020).
 */
export const UblSeller = t.intersection(
  [
    t.strict({ name: NonEmptyString, address: UblPostalAddress }),
    t.partial({
      vatId: NonEmptyString,
      legalRegistrationId: NonEmptyString,
      endpoint: t.strict({ scheme: NonEmptyString, id: NonEmptyString }),
    }),
  ],
  'UblSeller',
);
export type UblSeller = t.TypeOf<typeof UblSeller>;

/** Peppol BIS Billing 3.0 identifiers (BT-24 and BT-23). */
export const PEPPOL_BIS3_CUSTOMIZATION_ID =
  'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const PEPPOL_BIS3_PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
