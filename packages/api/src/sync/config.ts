import { readFileSync } from 'node:fs';

import type { RetryPolicy } from '@accrue/domain';
import { DEFAULT_RETRY_POLICY, TenantId, isValidRetryPolicy } from '@accrue/domain';
import type { ProviderName } from '@accrue/adapters/providers';
import { PROVIDER_NAMES, isProviderName } from '@accrue/adapters/providers';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { describeDecodeErrors } from './configErrors.js';

/**
 * `ACCRUE_PROVIDERS`: the provider connections of every tenant, and the sync's settings.
 *
 * - The value is inline JSON when it starts with `[` or `{` (after whitespace), and otherwise the path of a JSON
 *   file (relative to the working directory). Unset or empty: provider sync is off.
 * - The document is an array of connections, or `{ "connections": [...], "retry": {...}, "pollIntervalMs": N,
 *   "requestTimeoutMs": N }`.
 * - A connection is `{ "tenantId", "provider", "baseUrl"?, "webhookSecret"?, ...provider settings }`; the
 *   provider settings are decoded by that provider's adapter (`<Name>ConnectionConfig`). `baseUrl` points an
 *   adapter at a sandbox or a test server.
 * - Any value may be `{ "env": "VAR_NAME" }`: it is read from the environment, so the file can be committed
 *   without secrets.
 * - Invalid configuration is refused at start-up with the path of every problem; values are never echoed.
 * - Secrets (values from the environment, and fields named like `*secret*`, `*key*`, `*token*`, `*password*`)
 *   never reach a log: `JSON.stringify`, `String()` and `util.inspect` of the configuration give the redacted
 *   view.
 */

export const PROVIDERS_ENV = 'ACCRUE_PROVIDERS';

/** One tenant's connection to one provider, secrets resolved. */
export interface ProviderConnectionConfig {
  readonly tenantId: TenantId;
  readonly provider: ProviderName;
  /** The entry without `tenantId` and `provider`, secrets resolved: what the adapter's codec decodes. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly webhookSecret?: string;
  /** Every secret value of the entry, for redaction of anything that might echo one. */
  readonly secrets: ReadonlyArray<string>;
  /** Where the entry is in the document (`connections[2]`), for messages. */
  readonly path: string;
}

export interface ProvidersConfig {
  /** `inline` or `file <path>`. */
  readonly source: string;
  readonly connections: ReadonlyArray<ProviderConnectionConfig>;
  readonly retry: RetryPolicy;
  /** How often Dollr (no webhooks) is asked about unpaid invoices; default 60 s. */
  readonly pollIntervalMs: number;
  /** Per-request timeout handed to the adapters; default: each adapter's own (10 s). */
  readonly requestTimeoutMs?: number;
}

/** Every problem found, one `path: message` per line. */
export interface ProvidersConfigInvalid {
  readonly _tag: 'ProvidersConfigInvalid';
  readonly problems: ReadonlyArray<string>;
  /** The connections that were valid, so their adapters can check them too: every problem in one report. */
  readonly valid?: ProvidersConfig;
}

const invalid = (problems: ReadonlyArray<string>, valid?: ProvidersConfig): ProvidersConfigInvalid => ({
  _tag: 'ProvidersConfigInvalid',
  problems,
  ...(valid === undefined ? {} : { valid }),
});

export const describeConfigProblems = (error: ProvidersConfigInvalid): string =>
  `${PROVIDERS_ENV} is invalid:\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}`;

const SECRET_NAME = /secret|key|token|password|passphrase|credential|private/i;

const isEnvReference = (value: unknown): value is { readonly env: unknown } =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  'env' in value;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Resolved {
  readonly value: unknown;
  readonly secrets: ReadonlyArray<string>;
  readonly problems: ReadonlyArray<string>;
}

/** Replaces `{ "env": "VAR" }` by the variable's value, collecting secrets and problems with their paths. */
const resolveSecrets = (
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  secretName: boolean,
): Resolved => {
  if (isEnvReference(value)) {
    const name = value.env;
    if (typeof name !== 'string' || !ENV_NAME.test(name))
      return {
        value: undefined,
        secrets: [],
        problems: [`${path}: "env" must name an environment variable`],
      };
    const found = env[name];
    if (found === undefined || found === '')
      return {
        value: undefined,
        secrets: [],
        problems: [`${path}: environment variable ${name} is not set`],
      };
    return { value: found, secrets: [found], problems: [] };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => resolveSecrets(item, `${path}[${String(i)}]`, env, secretName));
    return {
      value: items.map((item) => item.value),
      secrets: items.flatMap((item) => item.secrets),
      problems: items.flatMap((item) => item.problems),
    };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => ({
      key,
      resolved: resolveSecrets(
        item,
        path === '' ? key : `${path}.${key}`,
        env,
        secretName || SECRET_NAME.test(key),
      ),
    }));
    return {
      value: Object.fromEntries(entries.map(({ key, resolved }) => [key, resolved.value])),
      secrets: entries.flatMap(({ resolved }) => resolved.secrets),
      problems: entries.flatMap(({ resolved }) => resolved.problems),
    };
  }
  return {
    value,
    secrets: secretName && typeof value === 'string' && value !== '' ? [value] : [],
    problems: [],
  };
};

/** A value with every secret-named field and every environment reference replaced, for logs and errors. */
const redactedView = (value: unknown, secretName = false): unknown => {
  if (isEnvReference(value)) return typeof value.env === 'string' ? `[from $${value.env}]` : '[redacted]';
  if (Array.isArray(value)) return value.map((item) => redactedView(item, secretName));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        redactedView(item, secretName || SECRET_NAME.test(key)),
      ]),
    );
  return secretName && value !== undefined && value !== null ? '[redacted]' : value;
};

const HttpUrl = t.refinement(
  t.string,
  (text) => {
    try {
      const url = new URL(text);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
      );
    } catch {
      return false;
    }
  },
  'an http(s) URL without credentials',
);

const ProviderNameCodec = new t.Type<ProviderName, string, unknown>(
  `one of ${PROVIDER_NAMES.join(', ')}`,
  (u): u is ProviderName => typeof u === 'string' && isProviderName(u),
  (u, c) => (typeof u === 'string' && isProviderName(u) ? t.success(u) : t.failure(u, c)),
  (name) => name,
);

/** The fields every connection has, whatever the provider. */
const ConnectionCommon = t.intersection([
  t.type({ tenantId: TenantId, provider: ProviderNameCodec }),
  t.partial({
    baseUrl: HttpUrl,
    webhookSecret: t.refinement(t.string, (text) => text.length >= 8, 'a secret of at least 8 characters'),
  }),
]);

const PositiveInteger = t.refinement(
  t.number,
  (n) => Number.isSafeInteger(n) && n > 0,
  'a positive whole number',
);

const Settings = t.exact(
  t.partial({
    connections: t.unknown,
    retry: t.exact(
      t.partial({
        baseDelayMs: t.number,
        factor: t.number,
        maxDelayMs: t.number,
        jitter: t.number,
        maxAttempts: t.number,
        maxRetryAfterMs: t.number,
      }),
    ),
    pollIntervalMs: PositiveInteger,
    requestTimeoutMs: PositiveInteger,
  }),
);

const TOP_LEVEL_KEYS = ['connections', 'retry', 'pollIntervalMs', 'requestTimeoutMs'];

/** A configuration object that prints as its redacted view however it is logged. */
const withRedactedPrinting = <A extends object>(value: A, view: unknown): A => {
  const print = (): unknown => view;
  Object.defineProperty(value, 'toJSON', { value: print, enumerable: false });
  Object.defineProperty(value, 'toString', { value: () => JSON.stringify(view), enumerable: false });
  Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), { value: print, enumerable: false });
  return value;
};

/** Parses the document (already read) against the environment (for `{ "env": … }` references). */
export const parseProvidersConfig = (
  text: string,
  env: NodeJS.ProcessEnv,
  source: string,
): E.Either<ProvidersConfigInvalid, ProvidersConfig> => {
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    return E.left(
      invalid([
        `${source}: not valid JSON (${error instanceof SyntaxError ? error.message : 'parse error'})`,
      ]),
    );
  }
  const problems: string[] = [];
  const object = Array.isArray(document) ? { connections: document } : document;
  if (typeof object !== 'object' || object === null)
    return E.left(invalid(['(root): expected an array of connections or an object with "connections"']));
  for (const key of Object.keys(object))
    if (!TOP_LEVEL_KEYS.includes(key))
      problems.push(`${key}: unknown setting (expected ${TOP_LEVEL_KEYS.join(', ')})`);
  const settings = Settings.decode(object);
  if (E.isLeft(settings)) return E.left(invalid([...problems, ...describeDecodeErrors(settings.left, '')]));
  const {
    connections: rawConnections,
    retry: retryOverrides,
    pollIntervalMs,
    requestTimeoutMs,
  } = settings.right;
  if (!Array.isArray(rawConnections)) problems.push('connections: expected an array of connections');
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...retryOverrides };
  if (!isValidRetryPolicy(retry))
    problems.push(
      'retry: delays must be whole milliseconds ≥ 0 with maxDelayMs ≥ baseDelayMs, factor ≥ 1, jitter in [0, 1], maxAttempts ≥ 1',
    );

  const connections: ProviderConnectionConfig[] = [];
  const seen = new Map<string, string>();
  (Array.isArray(rawConnections) ? (rawConnections as unknown[]) : []).forEach((entry, i) => {
    const path = `connections[${String(i)}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${path}: expected an object`);
      return;
    }
    const resolved = resolveSecrets(entry, path, env, false);
    problems.push(...resolved.problems);
    if (resolved.problems.length > 0) return;
    const common = ConnectionCommon.decode(resolved.value);
    if (E.isLeft(common)) {
      problems.push(...describeDecodeErrors(common.left, path));
      return;
    }
    const { tenantId, provider, webhookSecret } = common.right;
    const key = `${tenantId}\u0000${provider}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(`${path}: tenant ${tenantId} already has a connection to ${provider} (${earlier})`);
      return;
    }
    seen.set(key, path);
    const { tenantId: _tenant, provider: _provider, ...rest } = resolved.value as Record<string, unknown>;
    connections.push(
      withRedactedPrinting(
        {
          tenantId,
          provider,
          settings: rest,
          ...(webhookSecret === undefined ? {} : { webhookSecret }),
          secrets: resolved.secrets,
          path,
        },
        redactedView(entry),
      ),
    );
  });
  const config = withRedactedPrinting(
    {
      source,
      connections,
      retry,
      pollIntervalMs: pollIntervalMs ?? 60_000,
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    },
    { source, ...(redactedView(object) as object) },
  );
  return problems.length > 0 ? E.left(invalid(problems, config)) : E.right(config);
};

/**
 * Reads `ACCRUE_PROVIDERS`: undefined when it is unset or empty (sync off), else the parsed configuration or
 * every problem found.
 */
export const loadProvidersConfig = (
  env: NodeJS.ProcessEnv,
): E.Either<ProvidersConfigInvalid, ProvidersConfig | undefined> => {
  const value = env[PROVIDERS_ENV]?.trim() ?? '';
  if (value === '') return E.right(undefined);
  if (value.startsWith('[') || value.startsWith('{')) return parseProvidersConfig(value, env, 'inline');
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return E.left(
      invalid([`cannot read the file ${value} (${typeof code === 'string' ? code : 'read error'})`]),
    );
  }
  return parseProvidersConfig(text, env, `file ${value}`);
};

/** Replaces every secret of `connection` in `text` (a message that might echo one) by `[redacted]`. */
export const redactSecrets = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets
    .filter((secret) => secret.length >= 4)
    .reduce((current, secret) => current.split(secret).join('[redacted]'), text);
