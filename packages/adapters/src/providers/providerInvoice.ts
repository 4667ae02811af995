import type {
  CalculatedDocumentAllowanceCharge,
  CalculatedLine,
  CalculationIssue,
  IssuedInvoice,
  VatKey,
} from '@accrue/domain';
import {
  allocateProportionally,
  calculateInvoice,
  frozenMinorUnits,
  toCalculationInput,
  vatKeyId,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

import type {
  ProviderAllowanceCharge,
  ProviderInvoice,
  ProviderLine,
  ProviderTotals,
  ProviderVat,
  ProviderVatGroup,
} from './port.js';

/** The invoice cannot be flattened for providers: it does not calculate, or no longer gives its frozen totals. */
export type ProviderInvoiceError =
  | { readonly _tag: 'InvoiceNotCalculable'; readonly issues: ReadonlyArray<CalculationIssue> }
  | {
      readonly _tag: 'FrozenTotalsNotReproduced';
      readonly field: keyof ProviderTotals;
      readonly frozen: bigint;
      readonly recalculated: bigint;
    };

const TOTAL_FIELDS: ReadonlyArray<keyof ProviderTotals> = [
  'lineExtensionAmount',
  'allowanceTotalAmount',
  'chargeTotalAmount',
  'taxExclusiveAmount',
  'taxAmount',
  'taxInclusiveAmount',
  'prepaidAmount',
  'payableRoundingAmount',
  'payableAmount',
];

const providerVat = (
  key: VatKey,
  source?: { exemptionReason?: string; exemptionReasonCode?: string },
): ProviderVat => ({
  category: key.category,
  ...(key.rate === undefined ? {} : { rate: key.rate.toFixed() }),
  ...(source?.exemptionReason === undefined ? {} : { exemptionReason: source.exemptionReason }),
  ...(source?.exemptionReasonCode === undefined ? {} : { exemptionReasonCode: source.exemptionReasonCode }),
});

/**
 * Flattens an approved invoice for the provider adapters: the calculation of its frozen content, checked
 * against the frozen totals of `InvoiceApproved` (what the customer was told wins; a difference is refused, never
 * sent), with each VAT group's tax allocated to its lines, allowances (negative weight) and charges by largest
 * remainder, so per-line taxes sum to the group's tax exactly (ADR 19).
 */
export const toProviderInvoice = (invoice: IssuedInvoice): E.Either<ProviderInvoiceError, ProviderInvoice> =>
  pipe(
    calculateInvoice(toCalculationInput(invoice.content), { rounding: invoice.content.rounding }),
    E.mapLeft((error): ProviderInvoiceError => ({ _tag: 'InvoiceNotCalculable', issues: error.issues })),
    E.flatMap((calculation) => {
      const frozen = invoice.totals;
      const totals = Object.fromEntries(
        TOTAL_FIELDS.map((field) => [field, frozenMinorUnits(frozen[field], invoice.currency)]),
      ) as unknown as ProviderTotals;
      for (const field of TOTAL_FIELDS) {
        if (totals[field] !== calculation.totals[field]) {
          return E.left<ProviderInvoiceError>({
            _tag: 'FrozenTotalsNotReproduced',
            field,
            frozen: totals[field],
            recalculated: calculation.totals[field],
          });
        }
      }

      const groupTax = new Map(calculation.vatBreakdown.map((entry) => [vatKeyId(entry), entry.taxAmount]));
      type Member =
        | { readonly kind: 'line'; readonly index: number; readonly key: string; readonly weight: bigint }
        | {
            readonly kind: 'allowance' | 'charge';
            readonly index: number;
            readonly key: string;
            readonly weight: bigint;
          };
      const members: Member[] = [
        ...calculation.lines.map((line, index): Member => ({
          kind: 'line',
          index,
          key: vatKeyId(line.vat),
          weight: line.netAmount,
        })),
        ...calculation.allowances.map((entry, index): Member => ({
          kind: 'allowance',
          index,
          key: vatKeyId(entry.vat),
          weight: -entry.amount,
        })),
        ...calculation.charges.map((entry, index): Member => ({
          kind: 'charge',
          index,
          key: vatKeyId(entry.vat),
          weight: entry.amount,
        })),
      ];
      const taxOf = new Map<string, bigint>();
      for (const [key, tax] of groupTax) {
        const group = members.filter((member) => member.key === key);
        const shares = allocateProportionally(
          tax,
          group.map((member) => member.weight),
        );
        group.forEach((member, i) => taxOf.set(`${member.kind}:${member.index}`, shares[i] ?? 0n));
      }
      const memberTax = (kind: Member['kind'], index: number): bigint => taxOf.get(`${kind}:${index}`) ?? 0n;

      const lineInputs = invoice.content.lines;
      const lines = calculation.lines.map((line: CalculatedLine, index): ProviderLine => {
        const input = lineInputs[index];
        const taxAmount = memberTax('line', index);
        return {
          id: line.id,
          description: input?.description ?? `Line ${line.id}`,
          quantity: line.quantity.toFixed(),
          ...(input?.unitCode === undefined ? {} : { unitCode: input.unitCode }),
          unitPrice: line.netPrice.div(line.baseQuantity).toFixed(),
          netAmount: line.netAmount,
          grossAmount: line.inclusiveAmount ?? line.netAmount + taxAmount,
          taxAmount,
          vat: providerVat(line.vat, input?.vat),
        };
      });
      const documentEntry =
        (kind: 'allowance' | 'charge', inputs: IssuedInvoice['content']['allowances']) =>
        (entry: CalculatedDocumentAllowanceCharge, index: number): ProviderAllowanceCharge => ({
          reason: entry.reason ?? (kind === 'allowance' ? 'Discount' : 'Charge'),
          amount: entry.amount,
          taxAmount: kind === 'allowance' ? -memberTax(kind, index) : memberTax(kind, index),
          vat: providerVat(entry.vat, inputs[index]?.vat),
          ...(entry.percent === undefined ? {} : { percent: entry.percent.toFixed() }),
          ...(entry.baseAmount === undefined ? {} : { baseAmount: entry.baseAmount }),
        });
      const vatBreakdown = calculation.vatBreakdown.map((entry): ProviderVatGroup => ({
        vat: providerVat({ category: entry.category, rate: entry.rate }, entry),
        taxableAmount: entry.taxableAmount,
        taxAmount: entry.taxAmount,
      }));
      const { customer, notes, reference } = invoice.content;
      return E.right<ProviderInvoiceError, ProviderInvoice>({
        tenantId: invoice.tenantId,
        invoiceId: invoice.invoiceId,
        number: invoice.number,
        currency: invoice.currency,
        issueDate: invoice.content.issueDate,
        dueDate: invoice.content.dueDate,
        customer: {
          id: customer.id,
          name: customer.name,
          ...(customer.email === undefined ? {} : { email: customer.email }),
          ...(customer.vatNumber === undefined ? {} : { vatNumber: customer.vatNumber }),
          ...(customer.address === undefined
            ? {}
            : {
                address: {
                  line1: customer.address.line1,
                  ...(customer.address.line2 === undefined ? {} : { line2: customer.address.line2 }),
                  city: customer.address.city,
                  postalCode: customer.address.postalCode,
                  country: customer.address.country,
                },
              }),
        },
        pricesIncludeTax: invoice.content.pricesIncludeTax,
        lines,
        allowances: calculation.allowances.map(documentEntry('allowance', invoice.content.allowances)),
        charges: calculation.charges.map(documentEntry('charge', invoice.content.charges)),
        vatBreakdown,
        totals,
        ...(notes === undefined || notes === '' ? {} : { notes }),
        ...(reference === undefined || reference === '' ? {} : { buyerReference: reference }),
      });
    }),
  );
