import type { InvoiceProvider, ProviderName, WebhookVerifier } from '@accrue/adapters/providers';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

/**
 * The one map from provider name to adapter: how a connection's settings decode (the adapter's
 * `<Name>ConnectionConfig`), how its adapter is built (`create<Name>Provider`), and how its webhooks are verified
 * (`verify<Name>Webhook`; Dollr has none and is polled). Each adapter is imported only when a connection uses
 * it, so a deployment without Stripe never loads the Stripe SDK.
 */

/** What the composition root gives every adapter beside its settings. */
export interface ProviderRuntime {
  /** The clock adapters use for token expiry and `Retry-After` dates. */
  readonly now: () => Date;
  /** Per-request timeout; each adapter's own default when absent. */
  readonly timeoutMs?: number;
}

export interface ConnectedProvider {
  readonly adapter: InvoiceProvider;
  /** Absent for providers without webhooks (Dollr). */
  readonly verifier?: WebhookVerifier;
}

export interface ProviderModule {
  readonly name: ProviderName;
  /** Decodes one connection's settings (unknown fields are refused: a typo must not go unnoticed). */
  readonly connect: (
    settings: unknown,
    runtime: ProviderRuntime,
  ) => E.Either<ConnectionRefused, ConnectedProvider>;
}

export type ConnectionRefused =
  | { readonly _tag: 'InvalidSettings'; readonly errors: t.Errors }
  | { readonly _tag: 'UnknownSettings'; readonly keys: ReadonlyArray<string> };

export type ProviderRegistry = Readonly<Partial<Record<ProviderName, () => Promise<ProviderModule>>>>;

const keysOf = (value: unknown): ReadonlyArray<string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];

/**
 * A registry entry from an adapter's codec, factory and verifier. `verifier` gets the decoded settings, for
 * adapters whose verification depends on the connection (Invoro accepts test deliveries only on test keys).
 */
export const providerModule = <Settings>(
  name: ProviderName,
  codec: t.Decoder<unknown, Settings>,
  create: (config: Settings & ProviderRuntime) => InvoiceProvider,
  verifier?: (settings: Settings) => WebhookVerifier,
): ProviderModule => ({
  name,
  connect: (settings, runtime) => {
    const decoded = codec.decode(settings);
    if (E.isLeft(decoded)) return E.left({ _tag: 'InvalidSettings', errors: decoded.left });
    // Exact codecs drop fields they do not know; the connection must not lose one silently.
    const known = new Set(keysOf(decoded.right));
    const unknown = keysOf(settings).filter((key) => !known.has(key));
    if (unknown.length > 0) return E.left({ _tag: 'UnknownSettings', keys: unknown });
    return E.right({
      // A connection's own settings (a `timeoutMs` of its own) win over the sync-wide ones.
      adapter: create({ ...runtime, ...decoded.right }),
      ...(verifier === undefined ? {} : { verifier: verifier(decoded.right) }),
    });
  },
});

/** The adapters this build has. */
export const defaultProviderRegistry: ProviderRegistry = {
  stripe: async () => {
    const stripe = await import('@accrue/adapters/stripe');
    return providerModule('stripe', stripe.StripeConnectionConfig, stripe.createStripeProvider, (settings) =>
      stripe.createStripeWebhookVerifier(
        settings.webhookToleranceSeconds === undefined
          ? {}
          : { toleranceSeconds: settings.webhookToleranceSeconds },
      ),
    );
  },
  dollr: async () => {
    const dollr = await import('@accrue/adapters/dollr');
    // Dollr has no webhooks: its payments are polled.
    return providerModule('dollr', dollr.DollrConnectionConfig, dollr.createDollrProvider);
  },
  incard: async () => {
    const incard = await import('@accrue/adapters/incard');
    return providerModule(
      'incard',
      incard.IncardConnectionConfig,
      incard.createIncardProvider,
      () => incard.verifyIncardWebhook,
    );
  },
  corebill: async () => {
    const corebill = await import('@accrue/adapters/corebill');
    return providerModule(
      'corebill',
      corebill.CorebillConnectionConfig,
      corebill.createCorebillProvider,
      () => corebill.verifyCorebillWebhook,
    );
  },
  invoro: async () => {
    const invoro = await import('@accrue/adapters/invoro');
    return providerModule('invoro', invoro.InvoroConnectionConfig, invoro.createInvoroProvider, (settings) =>
      invoro.createInvoroWebhookVerifier({ acceptTestEvents: invoro.isTestKey(settings.apiKey) }),
    );
  },
};
