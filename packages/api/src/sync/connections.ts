import type { InvoiceProvider, ProviderName, WebhookVerifier } from '@accrue/adapters/providers';
import type { TenantId } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { ProvidersConfig, ProvidersConfigInvalid } from './config.js';
import { redactSecrets } from './config.js';
import { describeDecodeErrors } from './configErrors.js';
import type { ProviderModule, ProviderRegistry, ProviderRuntime } from './registry.js';

/** One tenant's live connection to one provider: its adapter, webhook verifier and secret. */
export interface ProviderConnection {
  readonly tenantId: TenantId;
  readonly provider: ProviderName;
  readonly adapter: InvoiceProvider;
  readonly verifier?: WebhookVerifier;
  readonly webhookSecret?: string;
  /** Removes this connection's secrets from a text (defence in depth for messages adapters return). */
  readonly redact: (text: string) => string;
}

export interface ProviderConnections {
  readonly all: ReadonlyArray<ProviderConnection>;
  readonly forTenant: (tenantId: string) => ReadonlyArray<ProviderConnection>;
  readonly forProvider: (provider: ProviderName) => ReadonlyArray<ProviderConnection>;
  readonly find: (tenantId: string, provider: string) => ProviderConnection | undefined;
}

export const providerConnections = (all: ReadonlyArray<ProviderConnection>): ProviderConnections => ({
  all,
  forTenant: (tenantId) => all.filter((connection) => connection.tenantId === tenantId),
  forProvider: (provider) => all.filter((connection) => connection.provider === provider),
  find: (tenantId, provider) =>
    all.find((connection) => connection.tenantId === tenantId && connection.provider === provider),
});

/**
 * Builds every configured connection: loads each provider's adapter once, decodes each connection's settings
 * with it, and reports every problem (with its path in `ACCRUE_PROVIDERS`) rather than the first.
 */
export const connectProviders = async (
  config: ProvidersConfig,
  registry: ProviderRegistry,
  runtime: ProviderRuntime,
): Promise<E.Either<ProvidersConfigInvalid, ProviderConnections>> => {
  const problems: string[] = [];
  const modules = new Map<ProviderName, ProviderModule>();
  for (const provider of new Set(config.connections.map((connection) => connection.provider))) {
    const load = registry[provider];
    if (load === undefined) {
      const paths = config.connections.filter((c) => c.provider === provider).map((c) => c.path);
      problems.push(`${paths.join(', ')}: the ${provider} adapter is not available in this build`);
      continue;
    }
    modules.set(provider, await load());
  }
  const connections: ProviderConnection[] = [];
  for (const entry of config.connections) {
    const module = modules.get(entry.provider);
    if (module === undefined) continue;
    const connected = module.connect(entry.settings, {
      ...runtime,
      ...(config.requestTimeoutMs === undefined ? {} : { timeoutMs: config.requestTimeoutMs }),
    });
    if (E.isLeft(connected)) {
      const refused = connected.left;
      if (refused._tag === 'UnknownSettings')
        problems.push(
          ...refused.keys.map((key) => `${entry.path}.${key}: unknown setting for ${entry.provider}`),
        );
      else problems.push(...describeDecodeErrors(refused.errors, entry.path));
      continue;
    }
    connections.push({
      tenantId: entry.tenantId,
      provider: entry.provider,
      adapter: connected.right.adapter,
      ...(connected.right.verifier === undefined ? {} : { verifier: connected.right.verifier }),
      ...(entry.webhookSecret === undefined ? {} : { webhookSecret: entry.webhookSecret }),
      redact: (text) => redactSecrets(text, entry.secrets),
    });
  }
  return problems.length > 0
    ? E.left({ _tag: 'ProvidersConfigInvalid', problems })
    : E.right(providerConnections(connections));
};
