#!/usr/bin/env node
import { EgressWatchError } from '../common/errors.js';
import { parseCommandArgs } from './command.js';
import { COMMANDS } from './registry.js';

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'egresswatch — watch what your services send to third-party APIs',
    '',
    'usage: egresswatch <command> [flags]   (egresswatch <command> --help for its flags)',
    '',
    'commands:',
    ...lines,
    '',
    'config: egresswatch.yaml in the working directory (or --config / EGRESSWATCH_CONFIG); env overrides in README.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { packageRoot } = await import('../common/package-root.js');
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
    process.stdout.write(pkg.version + '\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`egresswatch: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: egresswatch ${command.name} ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  return command.run(parseCommandArgs(command, rest));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof EgressWatchError) {
      process.stderr.write(`egresswatch: ${err.message}\n`);
      process.exitCode = err.code === 'EW_ERR_CONFIG' ? 2 : 1;
    } else {
      process.stderr.write(`egresswatch: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
