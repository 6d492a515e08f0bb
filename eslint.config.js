import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const adapterDrivers = ['better-sqlite3', 'pg', 'ioredis', '@grpc/*', 'nats'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'packages/grpc/src/gen/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-control-regex': 'off',
    },
  },
  {
    // Core never imports an adapter's driver: ports live in core, adapters elsewhere.
    files: ['packages/core/src/**/*.ts'],
    // Core's own tests run the ports against a real store, the embedded SQLite one.
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: adapterDrivers, message: 'core has no database or network dependency' },
            { group: ['@evented/*'], message: 'core never imports another evented package' },
          ],
        },
      ],
    },
  },
);
