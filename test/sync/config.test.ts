/**
 * `ACCRUE_PROVIDERS`: inline JSON or a file, `{ "env": … }` secret references, every problem reported with its
 * path, and secrets that never show in messages or in the configuration's printed forms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { connectProviders, loadProvidersConfig } from '../../packages/api/src/sync/index.js';
import { defaultProviderRegistry } from '../../packages/api/src/sync/registry.js';
import { createFakeProvider, fakeRegistry } from './support/fakeProvider.js';

const problemsOf = (result: ReturnType<typeof loadProvidersConfig>): ReadonlyArray<string> =>
  E.isLeft(result) ? result.left.problems : [];

describe('ACCRUE_PROVIDERS', () => {
  it('unset or empty: sync is off', () => {
    expect(loadProvidersConfig({})).toEqual(E.right(undefined));
    expect(loadProvidersConfig({ ACCRUE_PROVIDERS: '  ' })).toEqual(E.right(undefined));
  });

  it('inline JSON when it starts with [ or {, with defaults for the sync settings', () => {
    const config = loadProvidersConfig({
      ACCRUE_PROVIDERS:
        ' [{"tenantId": "acme", "provider": "stripe", "secretKey": "sk_test_abc", "baseUrl": "http://127.0.0.1:9999"}]',
    });
    if (E.isLeft(config) || config.right === undefined) throw new Error(JSON.stringify(config));
    expect(config.right.source).toBe('inline');
    expect(config.right.pollIntervalMs).toBe(60_000);
    expect(config.right.retry.maxAttempts).toBe(8);
    expect(config.right.connections[0]).toMatchObject({
      tenantId: 'acme',
      provider: 'stripe',
      settings: { secretKey: 'sk_test_abc', baseUrl: 'http://127.0.0.1:9999' },
    });
  });

  it('a file path otherwise; secrets by { "env": "NAME" } references, so the file holds none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accrue-providers-'));
    try {
      const file = join(dir, 'providers.json');
      writeFileSync(
        file,
        JSON.stringify({
          connections: [
            {
              tenantId: 'acme',
              provider: 'stripe',
              secretKey: { env: 'ACME_STRIPE_KEY' },
              webhookSecret: { env: 'ACME_STRIPE_WHSEC' },
            },
          ],
          retry: { maxAttempts: 3, baseDelayMs: 500 },
          pollIntervalMs: 30_000,
        }),
      );
      const config = loadProvidersConfig({
        ACCRUE_PROVIDERS: file,
        ACME_STRIPE_KEY: 'sk_test_supersecret',
        ACME_STRIPE_WHSEC: 'whsec_supersecret',
      });
      if (E.isLeft(config) || config.right === undefined) throw new Error(JSON.stringify(config));
      const [connection] = config.right.connections;
      expect(connection?.settings).toMatchObject({ secretKey: 'sk_test_supersecret' });
      expect(connection?.webhookSecret).toBe('whsec_supersecret');
      expect(config.right).toMatchObject({
        source: `file ${file}`,
        pollIntervalMs: 30_000,
        retry: { maxAttempts: 3, baseDelayMs: 500 },
      });

      // However the configuration is printed, secrets do not show.
      for (const printed of [
        JSON.stringify(config.right),
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- its own toString is what is checked
        String(config.right),
        inspect(config.right, { depth: 10 }),
        JSON.stringify(connection),
      ]) {
        expect(printed).not.toContain('supersecret');
      }
      expect(JSON.stringify(config.right)).toContain('[from $ACME_STRIPE_KEY]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('secrets written in the file are redacted in every printed form too', () => {
    const config = loadProvidersConfig({
      ACCRUE_PROVIDERS: JSON.stringify([
        {
          tenantId: 'acme',
          provider: 'invoro',
          apiKey: 'ak_test_inlinesecret',
          webhookSecret: 'inline-secret-xyz',
        },
      ]),
    });
    if (E.isLeft(config) || config.right === undefined) throw new Error('expected a configuration');
    expect(JSON.stringify(config.right)).not.toContain('inlinesecret');
    expect(JSON.stringify(config.right)).not.toContain('inline-secret-xyz');
    expect(config.right.connections[0]?.secrets).toEqual(
      expect.arrayContaining(['ak_test_inlinesecret', 'inline-secret-xyz']),
    );
  });

  it('lists every problem with its path, never a value', () => {
    const problems = problemsOf(
      loadProvidersConfig({
        ACCRUE_PROVIDERS: JSON.stringify({
          connections: [
            { tenantId: 'acme', provider: 'stripe', secretKey: { env: 'MISSING_KEY' } },
            { tenantId: 'bad tenant!', provider: 'paypal', webhookSecret: 'short' },
            { tenantId: 'acme', provider: 'invoro', baseUrl: 'ftp://user:pw@example.com' },
            { tenantId: 'globex', provider: 'invoro' },
            'not an object',
            { tenantId: 'globex', provider: 'invoro' },
          ],
          retry: { jitter: 3 },
          colour: 'blue',
        }),
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'connections[0].secretKey: environment variable MISSING_KEY is not set',
        expect.stringMatching(/^connections\[1\]\.tenantId: /),
        expect.stringMatching(/^connections\[1\]\.provider: /),
        expect.stringMatching(/^connections\[1\]\.webhookSecret: /),
        expect.stringMatching(/^connections\[2\]\.baseUrl: /),
        'connections[4]: expected an object',
        'connections[5]: tenant globex already has a connection to invoro (connections[3])',
        expect.stringMatching(/^retry: /),
        expect.stringMatching(/^colour: unknown setting/),
      ]),
    );
    expect(problems.join('\n')).not.toContain('pw@');
    expect(problems.join('\n')).not.toContain('short');
  });

  it('refuses what is not JSON, and a file it cannot read', () => {
    expect(problemsOf(loadProvidersConfig({ ACCRUE_PROVIDERS: '[{"tenantId": ' }))[0]).toMatch(
      /^inline: not valid JSON/,
    );
    expect(problemsOf(loadProvidersConfig({ ACCRUE_PROVIDERS: '/nonexistent/providers.json' }))).toEqual([
      'cannot read the file /nonexistent/providers.json (ENOENT)',
    ]);
  });
});

describe('connecting providers', () => {
  it("decodes each connection with its adapter's codec; unknown settings and missing adapters are problems", async () => {
    const config = loadProvidersConfig({
      ACCRUE_PROVIDERS: JSON.stringify([
        { tenantId: 'acme', provider: 'stripe', webhookSecret: 'whsec_0123456789', acount: 'typo' },
        { tenantId: 'acme', provider: 'corebill', apiKey: 'x' },
      ]),
    });
    if (E.isLeft(config) || config.right === undefined) throw new Error('expected a configuration');
    const fake = createFakeProvider('stripe');
    const connected = await connectProviders(config.right, fakeRegistry('stripe', fake), {
      now: () => new Date(),
    });
    expect(E.isLeft(connected) && connected.left.problems).toEqual([
      'connections[1]: the corebill adapter is not available in this build',
      'connections[0].acount: unknown setting for stripe',
    ]);
  });

  it('the real adapters refuse bad settings at start-up, naming the field and not the value', async () => {
    const config = loadProvidersConfig({
      ACCRUE_PROVIDERS: JSON.stringify([
        { tenantId: 'acme', provider: 'incard', apiKey: 'sk_oops_leaked', templateId: 'nope' },
        {
          tenantId: 'acme',
          provider: 'invoro',
          apiKey: 'ak_test_abc',
          businessEntityId: '6f1c9a52-34c1-4e8e-9b0a-1d2c3e4f5a6b',
        },
      ]),
    });
    if (E.isLeft(config) || config.right === undefined) throw new Error('expected a configuration');
    const connected = await connectProviders(config.right, defaultProviderRegistry, {
      now: () => new Date(),
    });
    if (E.isRight(connected)) throw new Error('expected problems');
    const text = connected.left.problems.join('\n');
    expect(text).toContain('connections[0].apiKey');
    expect(text).toContain('connections[0].templateId');
    expect(text).toContain('connections[0].depositAccount');
    expect(text).not.toContain('sk_oops_leaked');
    expect(text).not.toContain('connections[1]');
  });
});
