/** `tax_breakdown` → `taxBreakdown`. */
export const camelKey = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A JSON value with every object key in camelCase, values left as they are: the reference `invoiceObject` (which
 * builds the GraphQL invoice field by field, without walking the resource) is tested against.
 */
export const camelCaseKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[camelKey(key)] = camelCaseKeys(item);
  return result;
};
