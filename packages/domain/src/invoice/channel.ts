import * as t from 'io-ts';

export interface DeliveryChannelBrand {
  readonly DeliveryChannel: unique symbol;
}

/**
 * How an invoice reached the customer: `email`, `peppol`, `post`, or a provider (`stripe`, `invoro`…). An open
 * lower-case name rather than a closed list, so a new provider adapter needs no change to the stored format.
 */
export const DeliveryChannel = t.brand(
  t.string,
  (text): text is t.Branded<string, DeliveryChannelBrand> => /^[a-z][a-z0-9_-]{0,31}$/.test(text),
  'DeliveryChannel',
);
export type DeliveryChannel = t.TypeOf<typeof DeliveryChannel>;
