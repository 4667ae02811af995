import * as E from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { describe, expect, it } from 'vitest';

import { IncardConnectionConfig } from './config.js';

const settings = {
  apiKey: 'sk_live_a1b2c3',
  templateId: '11111111-1111-4111-8111-000000000105',
  depositAccount: { id: '11111111-1111-4111-8111-000000000103', currency: 'GBP' },
  recipients: { 'cust-42': '11111111-1111-4111-8111-000000000104' },
};

describe('IncardConnectionConfig', () => {
  it('decodes the connection settings and drops unknown fields', () => {
    const decoded = IncardConnectionConfig.decode({ ...settings, extra: 'x' });
    expect(decoded).toEqual(E.right(settings));
  });

  it('refuses keys without the sk_sandbox_/sk_live_ prefix without printing them', () => {
    const decoded = IncardConnectionConfig.decode({ ...settings, apiKey: 'pk_live_secret999' });
    expect(E.isLeft(decoded)).toBe(true);
    const report = PathReporter.report(decoded).join('\n');
    expect(report).toContain('expected an Incard api key');
    expect(report).not.toContain('secret999');
  });

  it('refuses ids that are not UUIDs and unknown currencies', () => {
    expect(E.isLeft(IncardConnectionConfig.decode({ ...settings, templateId: 'default' }))).toBe(true);
    expect(
      E.isLeft(
        IncardConnectionConfig.decode({
          ...settings,
          depositAccount: { ...settings.depositAccount, currency: 'XXX' },
        }),
      ),
    ).toBe(true);
  });
});
