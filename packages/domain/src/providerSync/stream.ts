/**
 * The one name of a provider sync stream: `providersync-<tenant>/<invoice>/<provider>`. Tenant and invoice ids
 * are identifiers (`[A-Za-z0-9_.:-]`) and provider names lower-case words, so `/` separates the parts
 * unambiguously; the category `providersync` is not one the projections decode, so read models never see these
 * events as invoice events.
 */
export const providerSyncStream = (tenantId: string, invoiceId: string, provider: string): string =>
  `providersync-${tenantId}/${invoiceId}/${provider}`;

/** The parts of a name made by `providerSyncStream`, or undefined for any other stream. */
export const parseProviderSyncStream = (
  streamName: string,
): { readonly tenantId: string; readonly invoiceId: string; readonly provider: string } | undefined => {
  const prefix = 'providersync-';
  if (!streamName.startsWith(prefix)) return undefined;
  const parts = streamName.slice(prefix.length).split('/');
  const [tenantId, invoiceId, provider] = parts;
  if (parts.length !== 3 || tenantId === undefined || invoiceId === undefined || provider === undefined)
    return undefined;
  return { tenantId, invoiceId, provider };
};
