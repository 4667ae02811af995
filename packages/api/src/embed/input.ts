import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

import type {
  CreateDraftInvoice,
  CreditNoteIssueRequest,
  RecordPayment,
  ReviseDraftInvoice,
  RoundingMode,
  SendInvoice,
  VoidInvoice,
} from '@accrue/domain';

import type { InputIssue, InvalidInput } from './errors.js';

/**
 * Operation inputs are the domain's own command codecs in their encoded (JSON) form: amounts, quantities and
 * rates are decimal strings (`"19.99"`), dates `YYYY-MM-DD`, timestamps ISO 8601 with an offset. They are
 * decoded with those codecs at this boundary, so a TypeScript caller gets the shapes from the types and a
 * JavaScript caller gets `InvalidInput` with paths, never a half-applied command.
 */
type Address = 'invoiceId' | 'tenantId' | 'now';

/** A new draft: customer, currency and lines, plus optional content (series, dates, terms, allowances…). */
export type CreateDraftInput = Omit<t.OutputOf<typeof CreateDraftInvoice>['data'], Address> & {
  /** The invoice id (letters, digits, `_ . : -`). Default: derived from the command id, or a fresh id. */
  readonly invoiceId?: string;
};

/** The fields of a draft to change; absent fields keep their value, `null` clears an optional one. */
export type ReviseDraftInput = Omit<t.OutputOf<typeof ReviseDraftInvoice>['data'], Address>;

/** How the invoice was sent: `email`, `peppol`, `post`, or a provider name. */
export type SendInput = Omit<t.OutputOf<typeof SendInvoice>['data'], Address>;

/** A payment in the invoice's currency (taken from the invoice). */
export type RecordPaymentInput = Omit<
  t.OutputOf<typeof RecordPayment>['data'],
  Address | 'currency' | 'paymentId' | 'paidAt'
> & {
  /**
   * The payment's id as the bank or provider gives it; a repeated id with the same amount changes nothing.
   * Default: derived from the command id, or a fresh id.
   */
  readonly paymentId?: string;
  /** When it was paid (default: now). */
  readonly paidAt?: string;
};

/** Why the invoice is voided or written off. */
export type ReasonInput = Omit<t.OutputOf<typeof VoidInvoice>['data'], Address>;

/** A credit note: why, and either lines or an amount (spread over the invoice's VAT rates). */
export type IssueCreditNoteInput = Pick<t.OutputOf<typeof CreditNoteIssueRequest>, 'reason' | 'content'> & {
  /** The credit note id. Default: derived from the command id, or a fresh id. */
  readonly creditNoteId?: string;
};

/** Who and why, for every command. All optional: defaults come from `createAccrue`'s options. */
export interface CommandOptions {
  /**
   * Unique per intent: a retry with the same id returns the first result and appends nothing (use your own
   * key, e.g. `order-1042:invoice`). Default: a fresh id, so a retry is a new command.
   */
  readonly commandId?: string;
  /** The tenant (default: `createAccrue`'s `tenantId`). */
  readonly tenantId?: string;
  /** Who asked (default: `createAccrue`'s `actor`). */
  readonly actor?: string;
  /** Groups what follows from one request (default: the command id). */
  readonly correlationId?: string;
  /** What caused this command, e.g. an event id (default: the command id). */
  readonly causationId?: string;
}

/** Options of read operations. */
export interface ReadOptions {
  /** The tenant (default: `createAccrue`'s `tenantId`). */
  readonly tenantId?: string;
}

/** The rounding default applied to drafts that do not name one. */
export const withRounding = <A extends { readonly rounding?: RoundingMode | undefined }>(
  input: A,
  rounding: RoundingMode | undefined,
): A => (rounding === undefined || input.rounding !== undefined ? input : { ...input, rounding });

const isArrayType = (type: t.Decoder<unknown, unknown>): boolean => {
  const tag = (type as { readonly _tag?: unknown })._tag;
  return tag === 'ArrayType' || tag === 'ReadonlyArrayType' || tag === 'TupleType';
};

const isTransparent = (type: t.Decoder<unknown, unknown>): boolean => {
  const tag = (type as { readonly _tag?: unknown })._tag;
  return tag === 'IntersectionType' || tag === 'UnionType';
};

/**
 * The path of a decoding error as the caller spelt the input (`lines[0].quantity`), without the command
 * envelope (`data`) and without the members of intersections and unions, which the caller never sees.
 */
const issuePath = (context: t.Context, skip: number): string => {
  let path = '';
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]?.type;
    const entry = context[i];
    if (entry === undefined || parent === undefined || isTransparent(parent)) continue;
    if (i <= skip) continue;
    if (isArrayType(parent)) path += `[${entry.key}]`;
    else path += path === '' ? entry.key : `.${entry.key}`;
  }
  return path;
};

const MAX_ISSUES = 50;

/** The decoding errors as issues, at most 50, without repeats. */
export const inputIssues = (errors: t.Errors, skip = 0): ReadonlyArray<InputIssue> => {
  const seen = new Set<string>();
  const issues: InputIssue[] = [];
  for (const error of errors) {
    const expected = error.context.at(-1)?.type.name ?? 'a valid value';
    const issue = { path: issuePath(error.context, skip), message: error.message ?? `expected ${expected}` };
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues;
};

export const invalidInput = (operation: string, issues: ReadonlyArray<InputIssue>): InvalidInput => ({
  _tag: 'InvalidInput',
  operation,
  issues,
});

/**
 * Decodes a whole command `{ type, data }` with its codec; issues are reported relative to `data` (what the
 * caller passed), so `data.lines.0.quantity` reads `lines[0].quantity`.
 */
export const decodeCommand = <A>(
  operation: string,
  codec: t.Decoder<unknown, A>,
  command: unknown,
): E.Either<InvalidInput, A> =>
  E.mapLeft((errors: t.Errors) => invalidInput(operation, inputIssues(errors, 1)))(codec.decode(command));

/** Decodes a value with its codec, issues relative to the value. */
export const decodeInput = <A>(
  operation: string,
  codec: t.Decoder<unknown, A>,
  value: unknown,
): E.Either<InvalidInput, A> =>
  E.mapLeft((errors: t.Errors) => invalidInput(operation, inputIssues(errors)))(codec.decode(value));
