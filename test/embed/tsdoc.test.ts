import { join } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { repoRoot } from '../support/cli.js';

/** Every export of the embedding entry point carries documentation (the issue asks for TSDoc on each). */
describe('@accrue/api/embed documentation', () => {
  it('has a TSDoc comment on every export', () => {
    const entry = join(repoRoot, 'packages/api/src/embed/index.ts');
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      customConditions: ['@accrue/source'],
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error('the entry point did not load');
    const exported = checker.getExportsOfModule(module);
    const undocumented = exported
      .filter((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const text = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
        return text === '';
      })
      .map((symbol) => symbol.getName());
    expect(exported.length).toBeGreaterThan(40);
    expect(undocumented).toEqual([]);
  }, 120_000);
});
