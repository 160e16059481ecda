import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One installed package: its name and the folder it sits in (nested copies are separate). */
export interface InstalledPackage {
  name: string;
  dir: string;
}

/** Every package folder under `nodeModules`, nested node_modules included. */
export function installedPackages(nodeModules: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    const dirs = entry.startsWith('@') ? readdirSync(path).map((e) => join(path, e)) : [path];
    for (const dir of dirs) {
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      out.push({ name: (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, dir });
      out.push(...installedPackages(join(dir, 'node_modules')));
    }
  }
  return out;
}

/** Where `name` resolves from a package in `fromDir`, as Node looks it up, or undefined. */
function resolveFrom(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The package folders `names` need at run time from `serviceDir`: themselves and their
 * dependencies (regular, optional, peer), transitively, as Node resolves them.
 */
export function dependencyClosure(serviceDir: string, names: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const dep of Object.keys({ ...pkg['dependencies'], ...pkg['optionalDependencies'], ...pkg['peerDependencies'] })) {
      const found = resolveFrom(dir, dep);
      if (found) visit(found);
    }
  };
  for (const name of names) {
    const found = resolveFrom(serviceDir, name);
    if (!found) throw new Error(`${name} is not installed in ${serviceDir}`);
    visit(found);
  }
  return seen;
}

/** Bytes of the files of one package folder, its own nested node_modules left out. */
export function packageBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      if (entry !== 'node_modules') total += packageBytes(path);
    } else total += stat.size;
  }
  return total;
}
