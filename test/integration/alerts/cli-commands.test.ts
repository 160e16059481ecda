import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { alertsCommand } from '../../../cli/commands/alerts.js';
import { silenceCommand } from '../../../cli/commands/silence.js';
import { vendorsCommand } from '../../../cli/commands/vendors.js';
import { parseCommandArgs, type Command } from '../../../cli/command.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('egresswatch silence / alerts on the embedded store (no running instance)', () => {
  const dir = tempDir();
  const config = join(dir.path, 'egresswatch.yaml');
  writeFileSync(config, `data_dir: ${JSON.stringify(join(dir.path, 'data'))}\n`);
  afterAll(() => dir.remove());

  async function run(command: Command, argv: string[]): Promise<{ code: number; out: string }> {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    try {
      const code = await command.run(parseCommandArgs(command, [...argv, '--config', config]));
      return { code, out: chunks.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('adds, lists and expires a silence; lists alerts as JSON', async () => {
    const added = await run(silenceCommand, ['add', '--match', 'vendor=stripe', '--match', 'kind=~volume_.*', '--for', '2h', '--comment', 'INC-42 stripe migration', '--json']);
    expect(added.code).toBe(0);
    const silence = JSON.parse(added.out) as { id: string; matchers: string[]; state: string; endsAt: string; startsAt: string };
    expect(silence).toMatchObject({ matchers: ['vendor=stripe', 'kind=~volume_.*'], state: 'active', comment: 'INC-42 stripe migration' });
    expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBe(2 * 3_600_000);

    const listed = await run(silenceCommand, ['list']);
    expect(listed.out).toContain(`${silence.id}  active   vendor=stripe, kind=~volume_.*`);

    const expired = await run(silenceCommand, ['expire', silence.id]);
    expect(expired.out).toMatch(new RegExp(`^silence ${silence.id} expired at `));
    expect((await run(silenceCommand, ['list'])).out).toContain('expired');

    const alerts = await run(alertsCommand, ['--status', 'firing', '--json']);
    expect(JSON.parse(alerts.out)).toEqual([]);
    expect((await run(alertsCommand, [])).out).toBe('no alerts yet\n');
  });

  it('explains a bad matcher, a missing duration and an unknown status', async () => {
    await expect(run(silenceCommand, ['add', '--match', 'vendor', '--for', '2h', '--comment', 'x'])).rejects.toThrow(/matcher 'vendor': expected name=value/);
    await expect(run(silenceCommand, ['add', '--match', 'vendor=x', '--comment', 'x'])).rejects.toThrow(/--for is required/);
    await expect(run(alertsCommand, ['--status', 'open'])).rejects.toThrow(/--status: 'open' is not a status; use firing or resolved/);
  });

  it('refuses a matcher on a label alerts do not have, and a vendor never seen, each with the nearest name', async () => {
    await expect(run(silenceCommand, ['add', '--match', 'vendr=stripe', '--for', '2h', '--comment', 'x'])).rejects.toThrow(
      "matcher 'vendr=stripe': alerts have no label 'vendr' — did you mean 'vendor'?",
    );
    await expect(run(silenceCommand, ['add', '--match', 'servce=~check.*', '--match', 'kind=pii_new', '--for', '2h', '--comment', 'x'])).rejects.toThrow(/did you mean 'service'\?/);
    expect(JSON.parse((await run(silenceCommand, ['list', '--json'])).out).map((s: { comment: string }) => s.comment)).not.toContain('x');
    // Configured but silent so far is an empty answer; unknown is an error (exit 2 through main).
    await expect(run(vendorsCommand, ['--vendor', 'nosuch'])).rejects.toThrow(/^vendors --vendor: no vendor 'nosuch' has been seen or configured/);
  });
});
