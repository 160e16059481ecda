import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('a saturated write path', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('answers 429 with Retry-After and keeps every span it acknowledged', async () => {
    const config = join(dir.path, 'egresswatch.yaml');
    writeFileSync(config, 'collector:\n  max_batch_spans: 200\n  max_queue_spans: 400\n  flush_interval_ms: 200\n');
    const ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: config });
    const base = BigInt(Date.now()) * 1_000_000n;
    const body = (r: number): string =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'batch-job' } }] },
            scopeSpans: [
              {
                spans: Array.from({ length: 200 }, (_, i) => ({
                  traceId: (r * 1000 + i + 1).toString(16).padStart(32, '0'),
                  spanId: (r * 1000 + i + 1).toString(16).padStart(16, '0'),
                  kind: 3,
                  startTimeUnixNano: String(base + BigInt(r * 1000 + i)),
                  endTimeUnixNano: String(base + BigInt(r * 1000 + i) + 1_000_000n),
                  attributes: [
                    { key: 'http.request.method', value: { stringValue: 'POST' } },
                    { key: 'server.address', value: { stringValue: 'api.mailgun.net' } },
                  ],
                })),
              },
            ],
          },
        ],
      });
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, r) => fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(r) })),
    );
    const statuses = answers.map((a) => a.status);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const acknowledged = statuses.filter((s) => s === 200).length * 200;
    expect(acknowledged).toBeGreaterThan(0);
    await ew.stop();

    const res = await runCli(dir.path, ['vendors', '--json'], { EGRESSWATCH_CONFIG: config });
    const vendors = JSON.parse(res.stdout) as { vendor: string; calls: number }[];
    expect(vendors).toEqual([expect.objectContaining({ vendor: 'mailgun', calls: acknowledged })]);
  });
});
