import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { DollrConnectionConfig } from './config.js';

const settings = { clientId: 'client_1', clientSecret: 'secret_1', counterparties: { 'cust-42': 4021 } };

describe('DollrConnectionConfig', () => {
  it('decodes the connection settings and drops unknown fields', () => {
    expect(
      DollrConnectionConfig.decode({ ...settings, currencies: ['USD', 'LRD'], feeBearer: 'PAYER', extra: 1 }),
    ).toEqual(E.right({ ...settings, currencies: ['USD', 'LRD'], feeBearer: 'PAYER' }));
  });

  it('refuses counterparty ids that are not positive integers, and unknown fee bearers or currencies', () => {
    expect(E.isLeft(DollrConnectionConfig.decode({ ...settings, counterparties: { a: 1.5 } }))).toBe(true);
    expect(E.isLeft(DollrConnectionConfig.decode({ ...settings, defaultCounterpartyId: 0 }))).toBe(true);
    expect(E.isLeft(DollrConnectionConfig.decode({ ...settings, feeBearer: 'BOTH' }))).toBe(true);
    expect(E.isLeft(DollrConnectionConfig.decode({ ...settings, currencies: ['usd'] }))).toBe(true);
  });
});
