import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder of egresswatch's package.json, found from this file whether it runs from source
 * (tests) or from dist/ (the bin). Data files (migrations, runbooks, catalog) are read from here.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const name = (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name;
      if (name === 'egresswatch') return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('egresswatch: cannot find the package root (package.json named egresswatch)');
    dir = parent;
  }
}
