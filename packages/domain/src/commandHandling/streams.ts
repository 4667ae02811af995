/**
 * Stream names, one helper per aggregate. Ids are restricted to `[A-Za-z0-9_.:-]` by their codecs, so `/`
 * separates the parts unambiguously; the category (before the first `-`) groups streams the way
 * EventStoreDB's `$by_category` projection expects.
 */
export const invoiceStream = (tenantId: string, invoiceId: string): string =>
  `invoice-${tenantId}/${invoiceId}`;

export const creditNoteStream = (tenantId: string, creditNoteId: string): string =>
  `creditnote-${tenantId}/${creditNoteId}`;

export const numberSeriesStream = (tenantId: string, series: string, year: number): string =>
  `numberseries-${tenantId}/${series}/${year}`;

export type StreamCategory = 'invoice' | 'creditnote' | 'numberseries';

/** The category and parts of a stream name made by the helpers above, or undefined for any other name. */
export const parseStreamName = (
  streamName: string,
): { readonly category: StreamCategory; readonly parts: ReadonlyArray<string> } | undefined => {
  const dash = streamName.indexOf('-');
  if (dash < 0) return undefined;
  const category = streamName.slice(0, dash);
  if (category !== 'invoice' && category !== 'creditnote' && category !== 'numberseries') return undefined;
  return { category, parts: streamName.slice(dash + 1).split('/') };
};
