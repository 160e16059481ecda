import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Running (a killed child that nobody reaped lingers as a zombie: that is not running). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('an acknowledged batch survives SIGKILL', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps every span that got a 200 when the process is killed right after', async () => {
    const ew = await startInstance(dir.path);
    const start = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: 500 }, (_, i) => ({
      traceId: (i + 1).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      kind: 3,
      startTimeUnixNano: String(start + BigInt(i)),
      endTimeUnixNano: String(start + BigInt(i) + 1_000_000n),
      attributes: [
        { key: 'http.request.method', value: { stringValue: 'POST' } },
        { key: 'server.address', value: { stringValue: 'api.sendgrid.com' } },
        { key: 'url.template', value: { stringValue: '/v3/mail/send' } },
      ],
    }));
    const res = await fetch(`${ew.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mailer' } }] }, scopeSpans: [{ spans }] }] }),
    });
    expect(res.status).toBe(200);
    await ew.kill();
    // SIGKILL left the instance's redis-server running on this data dir.
    const orphan = Number(readFileSync(join(dir.path, 'redis', 'owner.pid'), 'utf8'));
    expect(running(orphan)).toBe(true);

    // Nothing runs now: `vendors` opens the store itself (and ignores the stale instance file).
    const after = await runCli(dir.path, ['vendors', '--json']);
    expect(after.code).toBe(0);
    const vendors = JSON.parse(after.stdout) as { vendor: string; calls: number }[];
    expect(vendors).toEqual([expect.objectContaining({ vendor: 'sendgrid', calls: 500 })]);

    // And a restarted instance serves the same data.
    const again = await startInstance(dir.path);
    const viaApi = await runCli(dir.path, ['vendors', '--json']);
    await again.stop();
    // The restart stopped the orphan before starting its own, and stopped its own on exit.
    expect(running(orphan)).toBe(false);
    const own = Number(readFileSync(join(dir.path, 'redis', 'owner.pid'), 'utf8'));
    expect(own).not.toBe(orphan);
    expect(running(own)).toBe(false);
    expect(JSON.parse(viaApi.stdout)).toEqual(vendors);
  });
});
