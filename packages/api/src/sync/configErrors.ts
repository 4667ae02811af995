import type * as t from 'io-ts';

/**
 * io-ts errors as `path: message` lines for configuration problems: `connections[2].apiKey: expected …`. The
 * refused value is never shown (it may be a secret), only what was expected.
 */
export const describeDecodeErrors = (errors: t.Errors, prefix: string): ReadonlyArray<string> => {
  const lines = errors.map((error) => {
    let path = prefix;
    error.context.forEach((entry, i) => {
      if (i === 0) return;
      const parent = error.context[i - 1]?.type as { readonly _tag?: string } | undefined;
      // Members of unions and intersections are addressed by index: not a step in the document.
      if (parent?._tag === 'UnionType' || parent?._tag === 'IntersectionType') return;
      const isIndex = parent?._tag === 'ArrayType' || parent?._tag === 'ReadonlyArrayType';
      path = isIndex ? `${path}[${entry.key}]` : path === '' ? entry.key : `${path}.${entry.key}`;
    });
    const expected = error.context.at(-1)?.type.name ?? 'a valid value';
    const present = error.value !== undefined;
    return `${path === '' ? '(root)' : path}: ${error.message ?? (present ? `expected ${expected}` : `required (${expected})`)}`;
  });
  return [...new Set(lines)];
};
