#!/usr/bin/env node
import { closest } from '../common/text.js';
import { parseCommandArgs } from './command.js';
import { describeError } from './error-text.js';
import { COMMANDS } from './registry.js';

/** Commands that run until stopped: their info logs are the service's log. */
const SERVICES = new Set(['start', 'collector', 'worker']);

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
    'errors are one line each; EGRESSWATCH_LOG_LEVEL=debug adds stacks and client details.',
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
    const names = Object.keys(COMMANDS);
    const hint = closest(name, names);
    process.stderr.write(`egresswatch: unknown command '${name}'${hint ? ` — did you mean '${hint}'?` : ''} (commands: ${names.join(', ')}; egresswatch --help says what each does)\n`);
    return 2;
  }
  // A one-shot command's answer is its output; "store opened" and "migration applied" lines on
  // stderr only bury it. Services keep info logs. Set before anything creates the logger.
  if (!SERVICES.has(name)) process.env['EGRESSWATCH_LOG_LEVEL'] ??= 'warn';
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
    const report = describeError(err, process.env['EGRESSWATCH_LOG_LEVEL'] === 'debug' || process.env['EGRESSWATCH_LOG_LEVEL'] === 'trace');
    process.stderr.write(report.text + '\n');
    process.exitCode = report.exitCode;
  },
);
