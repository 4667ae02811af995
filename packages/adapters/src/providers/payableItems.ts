import { allocateProportionally } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { ProviderInvoice } from './port.js';

/**
 * For providers that take no tax and no document allowances (Incard, Dollr): the invoice as items whose
 * `quantity × unitAmount` sum to our payable amount exactly, every figure VAT-inclusive and positive.
 *
 * Each line and each document charge is one item worth its net amount plus its allocated tax; document
 * allowances, the prepaid amount and the payable rounding are then spread over the items in proportion to
 * their worth (largest remainder, the same allocation the domain uses), so nothing is rounded away and no item
 * is negative. A line keeps its quantity when it is a whole number that divides the item's amount exactly;
 * otherwise it is sent as quantity 1 with the quantity in its description.
 *
 * The result depends on the invoice only, so a retried issue computes the same items (Dollr matches the items
 * it already added against them).
 */
export interface PayableItem {
  readonly description: string;
  /** A whole number ≥ 1. */
  readonly quantity: bigint;
  /** Minor units of the invoice currency, VAT included, > 0. */
  readonly unitAmount: bigint;
}

export type PayableItemsError =
  /** The payable amount is zero or negative: there is nothing for a payment link to collect. */
  | { readonly _tag: 'NothingToCollect'; readonly payableAmount: bigint }
  /** A line or charge is worth less than zero (a credit line): no positive item can carry it. */
  | { readonly _tag: 'NegativeItem'; readonly description: string };

const WHOLE = /^[1-9][0-9]*$/;

export const toPayableItems = (
  invoice: ProviderInvoice,
): E.Either<PayableItemsError, ReadonlyArray<PayableItem>> => {
  const payable = invoice.totals.payableAmount;
  if (payable <= 0n) return E.left({ _tag: 'NothingToCollect', payableAmount: payable });
  const entries = [
    ...invoice.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      worth: line.netAmount + line.taxAmount,
    })),
    ...invoice.charges.map((charge) => ({
      description: charge.reason,
      quantity: '1',
      worth: charge.amount + charge.taxAmount,
    })),
  ];
  const negative = entries.find((entry) => entry.worth < 0n);
  if (negative !== undefined) return E.left({ _tag: 'NegativeItem', description: negative.description });
  // With no allowance, prepaid amount or rounding, every share equals the entry's worth exactly.
  const shares = allocateProportionally(
    payable,
    entries.map((entry) => entry.worth),
  );
  const items: PayableItem[] = [];
  entries.forEach((entry, index) => {
    const share = shares[index] ?? 0n;
    if (share <= 0n) return;
    const quantity = WHOLE.test(entry.quantity) ? BigInt(entry.quantity) : undefined;
    if (quantity !== undefined && share % quantity === 0n) {
      items.push({ description: entry.description, quantity, unitAmount: share / quantity });
    } else {
      items.push({
        description:
          entry.quantity === '1' ? entry.description : `${entry.description} (qty ${entry.quantity})`,
        quantity: 1n,
        unitAmount: share,
      });
    }
  });
  // Only an invoice without lines gets here with no items; the domain never approves one.
  return items.length === 0 ? E.left({ _tag: 'NothingToCollect', payableAmount: payable }) : E.right(items);
};
