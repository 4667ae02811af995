import { describe, expect, it } from 'vitest';

import { invoiceProviderContract } from '../providers/testing/contract.js';
// The entry points behind `@accrue/adapters/stripe` and `…/stripe/testing` (package.json `exports`).
import * as publicApi from './index.js';
import { createStripeHarness } from './testing/harness.js';
import * as testingApi from './testing/index.js';

invoiceProviderContract('stripe', () => createStripeHarness({ timeoutMs: 300 }));

describe('Stripe entry points', () => {
  it('the adapter and its test kit export what other packages use', () => {
    expect(typeof publicApi.createStripeProvider).toBe('function');
    expect(typeof publicApi.verifyStripeWebhook).toBe('function');
    expect(typeof publicApi.StripeConnectionConfig.decode).toBe('function');
    expect(publicApi.STRIPE_API_VERSION).toBe('2026-10-28.endive');
    expect(typeof testingApi.signStripeWebhook).toBe('function');
    expect(typeof testingApi.createStripeHarness).toBe('function');
  });
});
