import type { CreditNoteIssued } from '@accrue/domain';

import type { TaxBreakdownResource, TotalsResource } from './invoiceResource.js';

/** A credit note as the API answers it (snake_case, amounts as decimal strings), from its issue event. */
export interface CreditNoteResource {
  readonly id: string;
  readonly number: string;
  readonly invoice_id: string;
  readonly invoice_number: string;
  readonly currency: string;
  readonly reason: string;
  readonly issue_date: string;
  readonly totals: TotalsResource;
  readonly tax_breakdown: ReadonlyArray<TaxBreakdownResource>;
}

export const creditNoteResource = (issued: CreditNoteIssued): CreditNoteResource => {
  const { data } = issued;
  const { totals } = data;
  return {
    id: data.creditNoteId,
    number: data.number,
    invoice_id: data.invoiceId,
    invoice_number: data.invoiceNumber,
    currency: data.currency,
    reason: data.reason,
    issue_date: data.issueDate,
    totals: {
      line_extension_amount: totals.lineExtensionAmount,
      allowance_total_amount: totals.allowanceTotalAmount,
      charge_total_amount: totals.chargeTotalAmount,
      tax_exclusive_amount: totals.taxExclusiveAmount,
      tax_amount: totals.taxAmount,
      tax_inclusive_amount: totals.taxInclusiveAmount,
      prepaid_amount: totals.prepaidAmount,
      payable_rounding_amount: totals.payableRoundingAmount,
      payable_amount: totals.payableAmount,
    },
    tax_breakdown: data.vatBreakdown.map((entry) => ({
      category: entry.category,
      rate: entry.rate ?? null,
      taxable_amount: entry.taxableAmount,
      tax_amount: entry.taxAmount,
    })),
  };
};
