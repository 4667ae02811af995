// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Pure zones: the domain's calculation and deciders, and projection functions. They must not touch the
 * clock, randomness, the environment, the console or I/O (time and ids arrive in command metadata).
 */
const pureZoneRestrictions = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Pure zone: time arrives in command metadata (`now`), never from the clock.' },
    { name: 'process', message: 'Pure zone: no environment or process access.' },
    { name: 'console', message: 'Pure zone: no logging.' },
    { name: 'setTimeout', message: 'Pure zone: no timers.' },
    { name: 'setInterval', message: 'Pure zone: no timers.' },
    { name: 'fetch', message: 'Pure zone: no I/O.' },
    { name: 'crypto', message: 'Pure zone: no randomness.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Pure zone: ids and randomness arrive as input.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net'],
          message: 'Pure zone: no I/O modules.',
        },
      ],
    },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: 'ThrowStatement', message: 'Pure zone: return a tagged error (Either) instead of throwing.' },
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.ts', '.ci/*.mjs'],
          defaultProject: 'tsconfig.tools.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['packages/domain/src/**/*.ts', 'packages/projections/src/projections/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: pureZoneRestrictions,
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
