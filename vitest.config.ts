import { defineConfig } from 'vitest/config';

// chDB is one engine per process and per data path, so every test file gets its own process.
export default defineConfig({
  // Tests run against the sources: workspace packages (packages/sdk) resolve through their
  // "@egresswatch/source" export condition, as tsconfig.json's customConditions does. The rest
  // is vitest's default (no 'module': OpenTelemetry's ESM builds need a bundler).
  ssr: { resolve: { conditions: ['@egresswatch/source', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Multi-process scale-out tests run apart: `npm run test:scale` (vitest.scale.config.ts).
    exclude: ['test/scale/**', '**/node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
