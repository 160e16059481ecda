#!/usr/bin/env node
// The bin runs the compiled CLI; `npm ci` builds it (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('egresswatch: dist/ is missing; run `npm run build` (npm ci does it) first\n');
  process.exit(1);
}
await import(main);
