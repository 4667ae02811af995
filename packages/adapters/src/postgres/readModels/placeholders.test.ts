import { describe, expect, it } from 'vitest';

import { toNumberedPlaceholders } from './placeholders.js';

describe('toNumberedPlaceholders', () => {
  it('numbers placeholders in order', () => {
    expect(toNumberedPlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)', 3)).toBe(
      'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
    );
  });

  it('leaves question marks in literals, quoted identifiers and comments alone', () => {
    const sql = [
      "SELECT '?', 'it''s ?', E'\\' ?', \"col?\", $$ ? $$, $q$ ?' $q$, x FROM t -- ?",
      'WHERE a = ? /* ? /* nested ? */ ? */ AND b = ?',
    ].join('\n');
    expect(toNumberedPlaceholders(sql, 2)).toBe(
      [
        "SELECT '?', 'it''s ?', E'\\' ?', \"col?\", $$ ? $$, $q$ ?' $q$, x FROM t -- ?",
        'WHERE a = $1 /* ? /* nested ? */ ? */ AND b = $2',
      ].join('\n'),
    );
  });

  it('treats a backslash in a standard string as an ordinary character', () => {
    expect(toNumberedPlaceholders("SELECT 'a\\' WHERE x = ?", 1)).toBe("SELECT 'a\\' WHERE x = $1");
  });

  it('refuses a query whose placeholders and parameters disagree', () => {
    expect(() => toNumberedPlaceholders('SELECT ?', 0)).toThrow(/1 placeholders but 0 parameters/);
    expect(() => toNumberedPlaceholders("SELECT '?'", 1)).toThrow(/0 placeholders but 1 parameters/);
  });
});
