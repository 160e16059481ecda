import { describe, expect, it } from 'vitest';
import { parseCommandArgs, type Command } from '../../../cli/command.js';
import { describeError } from '../../../cli/error-text.js';
import { listenProblem } from '../../../cli/port-check.js';
import { ConfigError, StoreError } from '../../../common/errors.js';
import { vendorsCommand } from '../../../cli/commands/vendors.js';
import { silenceCommand } from '../../../cli/commands/silence.js';

/** What `egresswatch <argv>` prints on stderr when parsing throws, and its exit code. */
function parseFailure(command: Command, argv: string[]): { text: string; exitCode: number } {
  try {
    parseCommandArgs(command, argv);
  } catch (err) {
    return describeError(err, false);
  }
  throw new Error(`parsing ${argv.join(' ')} did not fail`);
}

describe('flag errors: one line that names the flag and what fits', () => {
  it('an unknown option says which, suggests the near one and lists the others, without a doubled prefix', () => {
    const { text, exitCode } = parseFailure(vendorsCommand, ['--vendr', 'stripe']);
    expect(text).toBe("egresswatch: vendors: unknown option '--vendr' — did you mean '--vendor'? (options: --config, --json, --since, --vendor, --help)");
    expect(exitCode).toBe(2);
    expect(parseFailure(vendorsCommand, ['--nope']).text).toBe("egresswatch: vendors: unknown option '--nope' (options: --config, --json, --since, --vendor, --help)");
    // Commands with positionals: Node's advice about `--` is not what a typo needs.
    expect(parseFailure(silenceCommand, ['add', '--mach', 'vendor=stripe']).text).toMatch(/^egresswatch: silence: unknown option '--mach' — did you mean '--match'\? \(options: /);
  });

  it('a missing value, a value on a switch and a stray argument each get one line', () => {
    expect(parseFailure(vendorsCommand, ['--vendor']).text).toBe('egresswatch: vendors: --vendor needs a value (usage: egresswatch vendors [--json] [--vendor ID] [--since 7d] [--config FILE])');
    expect(parseFailure(vendorsCommand, ['--json=yes']).text).toMatch(/^egresswatch: vendors: --json takes no value \(usage: /);
    expect(parseFailure(vendorsCommand, ['stripe']).text).toMatch(/^egresswatch: vendors: unexpected argument 'stripe': vendors takes flags only \(options: /);
    for (const argv of [['--vendr'], ['--vendor'], ['--json=1'], ['x']]) expect(parseFailure(vendorsCommand, argv).text.split('\n'), argv.join(' ')).toHaveLength(1);
  });
});

describe('errors that end a command', () => {
  // What storage/store.ts throws when the server is down (its message and the client's code).
  const unreachable = new StoreError('cannot reach ClickHouse at http://127.0.0.1:9/: connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
  });

  it('an unreachable ClickHouse is one line with what to check; the stack and cause only with debug', () => {
    const plain = describeError(unreachable, false);
    expect(plain.text).toBe(
      'egresswatch: cannot reach ClickHouse at http://127.0.0.1:9/: connect ECONNREFUSED 127.0.0.1:9 — is the ClickHouse server running and reachable there? Check EGRESSWATCH_CLICKHOUSE_URL (unset, egresswatch uses its embedded store)',
    );
    expect(plain.exitCode).toBe(1);
    const debug = describeError(unreachable, true).text;
    expect(debug).toContain('    at ');
    expect(debug).toContain('caused by:\nError: connect ECONNREFUSED');
  });

  it('wrong ClickHouse credentials point at the credential variables', () => {
    expect(describeError(new StoreError('cannot reach ClickHouse at http://ch:8123/: AUTHENTICATION_FAILED: …', '516'), false).text).toMatch(/check EGRESSWATCH_CLICKHOUSE_USER and EGRESSWATCH_CLICKHOUSE_PASSWORD$/);
  });

  it('a port in use says how to pick another, in one line, exit 2', () => {
    const report = describeError(listenProblem(Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4318'), { code: 'EADDRINUSE' }), '127.0.0.1', 4318), false);
    expect(report.text).toBe('egresswatch: port 4318 on 127.0.0.1 is already in use (another egresswatch or OTel collector?); pick another with --port or EGRESSWATCH_PORT (--port 0 picks a free one)');
    expect(report.exitCode).toBe(2);
  });

  it('a config error keeps one line per problem, each prefixed; system errors keep their path; bugs say so', () => {
    const config = describeError(new ConfigError("egresswatch.yaml: vendors.stripe.allow_pii[0]: unknown class 'creditcard' — did you mean 'card'?\negresswatch.yaml: retention_days: too big"), false);
    expect(config.text.split('\n')).toEqual([
      "egresswatch: egresswatch.yaml: vendors.stripe.allow_pii[0]: unknown class 'creditcard' — did you mean 'card'?",
      'egresswatch: egresswatch.yaml: retention_days: too big',
    ]);
    expect(config.exitCode).toBe(2);
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write '/data/out.csv'"), { code: 'ENOSPC' });
    expect(describeError(enospc, false).text).toBe("egresswatch: ENOSPC: no space left on device, write '/data/out.csv'");
    const bug = describeError(new TypeError("Cannot read properties of undefined (reading 'vendor')"), false).text;
    expect(bug).toBe("egresswatch: internal error: Cannot read properties of undefined (reading 'vendor') — please report it; EGRESSWATCH_LOG_LEVEL=debug prints the stack");
    expect(bug).not.toContain('    at ');
  });
});
