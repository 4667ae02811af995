import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@accrue/source` condition, so the tests run
// against `src` without a build; `tsc -b` and published consumers use `dist`.
const conditions = ['@accrue/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  // Vitest hands the SSR conditions to Node as `--conditions`; `import` there makes `pg` load pg-pool's ESM
  // build from a `require`, which breaks it. Node adds `import`/`require` by itself.
  ssr: { resolve: { conditions: ['@accrue/source', 'node'], externalConditions: ['@accrue/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // The JSON report is what `.ci/run` counts from; the default reporter is what people read.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
