import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '../../../..');

/** A compiled copy of the SDK package (packages/sdk/src) and examples/, runnable by plain `node`. */
export interface SdkBuild {
  dir: string;
  /** Absolute path of the compiled `register.js` (what `--import @egresswatch/sdk/register` loads). */
  register: string;
  js(relative: string): string;
  cleanup(): Promise<void>;
}

/**
 * Compiles the SDK's sources and examples/ with the repo's own tsconfig into a temporary folder
 * (child processes need JavaScript; Node 20 cannot strip types). node_modules is linked in so
 * packages resolve, and `@egresswatch/sdk` resolves to this fresh build, never to a stale
 * packages/sdk/dist: the compiled output is laid out as the package would be installed.
 */
export async function buildSdk(): Promise<SdkBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'ew-sdk-build-'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const out = join(dir, 'out');
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { outDir: out, rootDir: root, declaration: false, sourceMap: false },
    include: [join(root, 'packages/sdk/src'), join(root, 'examples')],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]);
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  // out/node_modules/@egresswatch/sdk: the package's own package.json (its exports), with dist/
  // being the sources just compiled. Found before the repo's node_modules from anything in out/.
  const pkg = join(out, 'node_modules', '@egresswatch', 'sdk');
  await mkdir(pkg, { recursive: true });
  await copyFile(join(root, 'packages/sdk/package.json'), join(pkg, 'package.json'));
  await symlink(join(out, 'packages/sdk/src'), join(pkg, 'dist'));
  const js = (relative: string): string => join(out, relative);
  return { dir, register: js('packages/sdk/src/register.js'), js, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
