import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:scale`: several egresswatch processes on one ClickHouse HTTP endpoint and one
// redis-server, with kills. Apart from `npm test` because it spawns many processes: one file at
// a time on a shared 2-core machine. Lives under test/ so that the type-aware lint covers it.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/scale/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
