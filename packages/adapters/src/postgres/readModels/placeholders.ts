const identifierChar = /[A-Za-z0-9_$]/;

/** Where the quoted text, comment or dollar-quoted string starting at `start` ends (exclusive). */
const skipLiteral = (sql: string, start: number): number | undefined => {
  const c = sql[start];
  const next = sql[start + 1];
  const previous = start > 0 ? sql[start - 1] : undefined;
  if (c === "'") {
    // E'…' strings take backslash escapes; standard strings only double their quotes.
    const escapes =
      (previous === 'E' || previous === 'e') && (start < 2 || !identifierChar.test(sql[start - 2] ?? ''));
    for (let i = start + 1; i < sql.length; i++) {
      if (escapes && sql[i] === '\\') i += 1;
      else if (sql[i] === "'") {
        if (sql[i + 1] === "'") i += 1;
        else return i + 1;
      }
    }
    return sql.length;
  }
  if (c === '"') {
    for (let i = start + 1; i < sql.length; i++) {
      if (sql[i] === '"') {
        if (sql[i + 1] === '"') i += 1;
        else return i + 1;
      }
    }
    return sql.length;
  }
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', start);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/' && next === '*') {
    // PostgreSQL block comments nest.
    let depth = 0;
    for (let i = start; i < sql.length; i++) {
      if (sql[i] === '/' && sql[i + 1] === '*') {
        depth += 1;
        i += 1;
      } else if (sql[i] === '*' && sql[i + 1] === '/') {
        depth -= 1;
        i += 1;
        if (depth === 0) return i + 1;
      }
    }
    return sql.length;
  }
  if (c === '$' && (previous === undefined || !identifierChar.test(previous))) {
    const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start))?.[0];
    if (tag === undefined) return undefined;
    const end = sql.indexOf(tag, start + tag.length);
    return end === -1 ? sql.length : end + tag.length;
  }
  return undefined;
};

/**
 * Rewrites the port's `?` placeholders as PostgreSQL's `$1…$n`, in order, leaving alone any `?` inside string
 * literals (`'…'`, `E'…'`, `$tag$…$tag$`), quoted identifiers and comments, so the same query text runs on
 * SQLite and PostgreSQL. PostgreSQL's own `?` operators (jsonb `?`, `?|`, `?&`) therefore cannot be written
 * in such a query; use `jsonb_exists` and friends. Throws when the placeholders and `parameterCount` disagree:
 * a query built wrongly is a programmer bug, better reported here than as a server's bind error.
 */
export const toNumberedPlaceholders = (sql: string, parameterCount: number): string => {
  let out = '';
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const end = skipLiteral(sql, i);
    if (end !== undefined) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    const c = sql[i] ?? '';
    if (c === '?') {
      count += 1;
      out += `$${String(count)}`;
    } else out += c;
    i += 1;
  }
  if (count !== parameterCount)
    throw new Error(
      `read-model query has ${String(count)} placeholders but ${String(parameterCount)} parameters`,
    );
  return out;
};
