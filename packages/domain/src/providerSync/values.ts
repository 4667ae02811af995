import * as t from 'io-ts';

import { bug } from '../shared/bug.js';

/**
 * The values provider sync commands and events are made of. Provider names are an open lower-case name (like
 * delivery channels), so a new provider adapter needs no change to the stored format.
 */

export interface SyncProviderBrand {
  readonly SyncProvider: unique symbol;
}
/** `stripe`, `incard`, `dollr`, `invoro`, `corebill`, or any future adapter's name. */
export const SyncProvider = t.brand(
  t.string,
  (text): text is t.Branded<string, SyncProviderBrand> => /^[a-z][a-z0-9_]{0,31}$/.test(text),
  'SyncProvider',
);
export type SyncProvider = t.TypeOf<typeof SyncProvider>;

/** What Accrue asks of a provider; every operation but `issue` needs the invoice issued there first. */
export const SyncOperation = t.keyof(
  { issue: null, send: null, recordPayment: null, void: null, markUncollectible: null },
  'SyncOperation',
);
export type SyncOperation = t.TypeOf<typeof SyncOperation>;

/** Operations an invoice asks for at most once per provider (payments are asked for once per payment). */
export const isOncePerInvoice = (operation: SyncOperation): boolean => operation !== 'recordPayment';

/** Visible text without control characters, bounded: it comes from providers and ends up in logs and views. */
const boundedText = (max: number) => (text: string) =>
  text.length >= 1 && text.length <= max && text.trim() === text && /^[^\p{Cc}]+$/u.test(text);

export interface SourceEventIdBrand {
  readonly SourceEventId: unique symbol;
}
/** The id of the invoice event that asked for the operation (a UUID); it keys the operation in its stream. */
export const SourceEventId = t.brand(
  t.string,
  (text): text is t.Branded<string, SourceEventIdBrand> => boundedText(200)(text),
  'SourceEventId',
);
export type SourceEventId = t.TypeOf<typeof SourceEventId>;

export interface ExternalIdBrand {
  readonly ExternalId: unique symbol;
}
/** The provider's id of the invoice (`in_1N…`, a UUID, a number). */
export const ExternalId = t.brand(
  t.string,
  (text): text is t.Branded<string, ExternalIdBrand> => boundedText(500)(text),
  'ExternalId',
);
export type ExternalId = t.TypeOf<typeof ExternalId>;

export interface PaymentLinkBrand {
  readonly PaymentLink: unique symbol;
}
/** The provider's hosted payment page. */
export const PaymentLink = t.brand(
  t.string,
  (text): text is t.Branded<string, PaymentLinkBrand> => boundedText(2000)(text),
  'PaymentLink',
);
export type PaymentLink = t.TypeOf<typeof PaymentLink>;

export interface SyncAttemptBrand {
  readonly SyncAttempt: unique symbol;
}
/** 1 for the first attempt at an operation, counting up with each retry. */
export const SyncAttempt = t.brand(
  t.number,
  (n): n is t.Branded<number, SyncAttemptBrand> => Number.isInteger(n) && n >= 1 && n <= 10_000,
  'SyncAttempt',
);
export type SyncAttempt = t.TypeOf<typeof SyncAttempt>;

const one: unknown = 1;
/** The first attempt at an operation. */
export const FIRST_ATTEMPT: SyncAttempt = SyncAttempt.is(one) ? one : bug('1 is an attempt');

export interface JitterBrand {
  readonly Jitter: unique symbol;
}
/**
 * A number in [0, 1) drawn by the caller (the process manager's random source): the decider stays pure and a
 * test can pin it.
 */
export const Jitter = t.brand(
  t.number,
  (n): n is t.Branded<number, JitterBrand> => Number.isFinite(n) && n >= 0 && n < 1,
  'Jitter',
);
export type Jitter = t.TypeOf<typeof Jitter>;

export interface DelayMsBrand {
  readonly DelayMs: unique symbol;
}
/** A non-negative whole number of milliseconds. */
export const DelayMs = t.brand(
  t.number,
  (n): n is t.Branded<number, DelayMsBrand> => Number.isSafeInteger(n) && n >= 0,
  'DelayMs',
);
export type DelayMs = t.TypeOf<typeof DelayMs>;
