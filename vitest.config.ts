import { defineConfig } from 'vitest/config';

// chDB is one engine per process and per data path, so every test file gets its own process.
export default defineConfig({
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
