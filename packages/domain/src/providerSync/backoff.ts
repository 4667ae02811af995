import * as t from 'io-ts';

/**
 * When a failed provider call is tried again: exponential backoff with jitter, capped, for a bounded number of
 * attempts. Pure: the random draw arrives as an input in [0, 1).
 */
export const RetryPolicy = t.strict(
  {
    /** The delay after the first failure, before jitter. */
    baseDelayMs: t.number,
    /** Each further failure multiplies the delay by this. */
    factor: t.number,
    /** No delay (before `Retry-After`) exceeds this. */
    maxDelayMs: t.number,
    /**
     * How much of the delay jitter may take away, in [0, 1]: 0.5 spreads each delay over [d/2, d], so a burst of
     * failures (a provider outage) does not come back as a burst of retries.
     */
    jitter: t.number,
    /** Attempts in all, the first one included; the last failure is final. */
    maxAttempts: t.number,
    /** A provider's `Retry-After` is honoured up to this (a day by default); beyond it is taken as this. */
    maxRetryAfterMs: t.number,
  },
  'RetryPolicy',
);
export type RetryPolicy = t.TypeOf<typeof RetryPolicy>;

/** 2 s, 4 s, 8 s … capped at 10 minutes, half of it jittered, 8 attempts (about 20 minutes in all). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 2_000,
  factor: 2,
  maxDelayMs: 600_000,
  jitter: 0.5,
  maxAttempts: 8,
  maxRetryAfterMs: 86_400_000,
};

/** Whether a policy makes sense: positive delays, a factor of at least 1, jitter in [0, 1], ≥ 1 attempt. */
export const isValidRetryPolicy = (policy: RetryPolicy): boolean =>
  Number.isSafeInteger(policy.baseDelayMs) &&
  policy.baseDelayMs >= 0 &&
  Number.isFinite(policy.factor) &&
  policy.factor >= 1 &&
  Number.isSafeInteger(policy.maxDelayMs) &&
  policy.maxDelayMs >= policy.baseDelayMs &&
  Number.isFinite(policy.jitter) &&
  policy.jitter >= 0 &&
  policy.jitter <= 1 &&
  Number.isInteger(policy.maxAttempts) &&
  policy.maxAttempts >= 1 &&
  Number.isSafeInteger(policy.maxRetryAfterMs) &&
  policy.maxRetryAfterMs >= 0;

/**
 * The delay after failed attempt `attempt` (1-based): `min(maxDelayMs, baseDelayMs × factor^(attempt − 1))`,
 * reduced by up to `jitter` of itself (`random` in [0, 1) picks how much), never below
 * `(1 − jitter) ×` the capped delay. Whole milliseconds.
 */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random: number): number => {
  const exponent = Math.max(0, attempt - 1);
  const raw = policy.baseDelayMs * Math.pow(policy.factor, exponent);
  const capped = Math.min(policy.maxDelayMs, Number.isFinite(raw) ? raw : policy.maxDelayMs);
  return Math.round(capped * (1 - policy.jitter * random));
};

/**
 * The delay before the attempt after failed attempt `attempt`: the backoff, or the provider's `Retry-After`
 * when that is longer (up to `maxRetryAfterMs`): a provider that says "not before" is never called sooner.
 */
export const retryDelay = (
  policy: RetryPolicy,
  attempt: number,
  random: number,
  retryAfterMs: number | undefined,
): number =>
  Math.max(backoffDelay(policy, attempt, random), Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs));
