/** `tax_breakdown` → `taxBreakdown`. */
export const camelKey = (key: string): string =>
  key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A JSON value with every object key in camelCase: how GraphQL mirrors a snake_case REST resource without a
 * second builder that could drift from it. Values are left as they are.
 */
export const camelCaseKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[camelKey(key)] = camelCaseKeys(item);
  return result;
};
