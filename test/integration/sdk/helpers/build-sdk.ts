import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '../../../..');

/** A compiled copy of sdk/, examples/ and what they import, runnable by plain `node`. */
export interface SdkBuild {
  dir: string;
  /** Absolute path of the compiled `sdk/register.js`. */
  register: string;
  js(relative: string): string;
  cleanup(): Promise<void>;
}

/**
 * Compiles the SDK with the repo's own tsconfig into a temporary folder (child processes need
 * JavaScript; Node 20 cannot strip types). node_modules is linked in so packages resolve.
 */
export async function buildSdk(): Promise<SdkBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'ew-sdk-build-'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { outDir: join(dir, 'out'), rootDir: root, declaration: false, sourceMap: false },
    include: [join(root, 'sdk'), join(root, 'examples'), join(root, 'common/vendor-catalog.ts')],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]);
  await writeFile(join(dir, 'out', 'package.json'), JSON.stringify({ type: 'module' }));
  const js = (relative: string): string => join(dir, 'out', relative);
  return { dir, register: js('sdk/register.js'), js, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
