// Type-aware lint, as OpenTelemetry and clickhouse-js run it: a floating promise in a batcher
// or worker is lost data, so it is an error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'packages/*/dist/**', '**/node_modules/**', 'dashboards/console/**', 'bin/**', 'test/**/fixtures/**', 'eslint.config.js', 'vitest.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  {
    files: ['cli/**', 'bench/**', 'examples/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // Layers (docs/ARCHITECTURE.md): app/ composes the layers below it into the detection step and
  // the roles, and cli/ calls app/. Nothing below app/ imports it, and app/ never imports cli/ or
  // the console, so the one step the worker and `detect` share cannot grow a second copy below.
  {
    files: ['common/**', 'queue/**', 'storage/**', 'collector/**', 'sdk-compat/**', 'detectors/**', 'alerts/**', 'dashboards/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+app/', message: 'app/ composes this layer; this layer never imports app/ (docs/ARCHITECTURE.md, layers).' }] }],
    },
  },
  {
    files: ['app/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(cli|dashboards)/', message: 'app/ is called by cli/ and never imports it or the console (docs/ARCHITECTURE.md, layers).' }] }],
    },
  },
  // The SDK is what a service installs: it may import node built-ins, OpenTelemetry, its other
  // declared dependencies and its own files, never the server (chDB, BullMQ, Fastify and the
  // rest would come with it). A new dependency is added here and to packages/sdk/package.json.
  {
    files: ['packages/sdk/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!node:|@opentelemetry/|libphonenumber-js(?:\\/max)?$|\\.{1,2}/)',
              message: 'The SDK package imports only node:*, @opentelemetry/*, libphonenumber-js and its own files (see packages/sdk/package.json).',
            },
            {
              regex: '^(\\.\\./){2,}|^\\.\\./\\.\\.$',
              message: 'The SDK package never imports from outside packages/sdk/src: the server imports the SDK, not the other way round.',
            },
          ],
        },
      ],
    },
  },
  // shared/ is the part the server imports too (route templates, vendor catalog, wire contract):
  // pure code that imports only other shared/ files, so the server gets no OpenTelemetry with it.
  {
    files: ['packages/sdk/src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\./)', message: 'packages/sdk/src/shared/ is pure code shared with the server: it imports only other shared/ files.' }] }],
    },
  },
);
