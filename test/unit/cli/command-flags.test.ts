import { describe, expect, it } from 'vitest';
import { boolFlag, defineCommand, intFlag, parseCommandArgs, stringFlag } from '../../../cli/command.js';

// The `@ts-expect-error` lines are the test that matters: `tsc -p .` (npm test) fails when a
// command may read a flag it did not declare, or as another type than declared.
const probe = defineCommand({
  name: 'probe',
  summary: 'typed flags',
  usage: '[--json] [--since 7d] [--match k=v …] [--port P]',
  options: { json: { type: 'boolean' }, since: { type: 'string' }, match: { type: 'string', multiple: true }, port: { type: 'string' } },
  async run(args) {
    const matchers: string[] = args.values.match ?? [];
    const json: boolean = boolFlag(args, 'json');
    // @ts-expect-error `--nope` is not declared
    stringFlag(args, 'nope');
    // @ts-expect-error `--json` is a boolean
    stringFlag(args, 'json');
    // @ts-expect-error `--since` is a string
    boolFlag(args, 'since');
    // @ts-expect-error `--match` is repeated: a string[]
    stringFlag(args, 'match');
    // @ts-expect-error `--nope` is not declared
    void args.values.nope;
    return matchers.length + (json ? 100 : 0) + (intFlag(args, 'port', 0, 65535) ?? 0) + (stringFlag(args, 'since')?.length ?? 0);
  },
});

describe('typed command flags', () => {
  it('gives run the values parseArgs read, typed as declared', async () => {
    const args = parseCommandArgs(probe, ['--json', '--match', 'a=b', '--match', 'c=d', '--port', '1000', '--since', '7d']);
    expect(args.values).toEqual({ json: true, match: ['a=b', 'c=d'], port: '1000', since: '7d' });
    expect(await probe.run(args)).toBe(2 + 100 + 1000 + 2);
  });
});
