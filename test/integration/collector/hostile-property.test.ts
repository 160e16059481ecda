import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pagerDutyEvents } from '../../../alerts/pagerduty.js';
import type { ResolvedReceiver } from '../../../alerts/receivers-config.js';
import { planNotifications } from '../../../alerts/routing.js';
import { slackMessage } from '../../../alerts/slack.js';
import { alertmanagerPayload } from '../../../alerts/webhook.js';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import type { Alert } from '../../../common/types.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The property: whatever an attacker writes into any field of a span, what egresswatch stores and
// shows stays well-formed and holds no control character, and honest vendors' findings survive.

const MINUTE = 60_000;
const CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;
/** What a terminal acts on, less the line breaks a CLI prints itself. */
const TERMINAL_CONTROL = /[\p{Cc}\p{Cf}]/u;
const printable = (out: string): string => out.replaceAll('\n', ' ');
const PIECES = ['__proto__', 'constructor', '\u0000', '\u0001', '\u001b]0;pwned\u0007', '\u001b[2J', '\u202e', '\u2066', '\u2028', "'", "\\' OR 1=1 -- ", '\\', '"', '`', '<!channel>', '<https://evil.example|re-auth>', '*b*', '\ud800', '%00', '{id}', 'stripe', 'jane@example.com', 'x'.repeat(70_000)];

/** A deterministic stream of hostile strings (two pieces glued), so a failure reproduces. */
function hostileStrings(seed: number): () => string {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return `${PIECES[s % PIECES.length]}${PIECES[(s >> 7) % PIECES.length]}`;
  };
}

function hostileRequest(at: number, seed: number): string {
  const pick = hostileStrings(seed);
  const str = (value: string): unknown => ({ stringValue: value });
  const spans = Array.from({ length: 40 }, (_, i) => ({
    traceId: (seed * 1000 + i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: pick(),
    kind: 3,
    startTimeUnixNano: String(BigInt(at + i * 1000) * 1_000_000n),
    endTimeUnixNano: String(BigInt(at + i * 1000 + 20) * 1_000_000n),
    attributes: [
      { key: 'http.request.method', value: str(i % 5 === 0 ? pick() : 'POST') },
      { key: 'server.address', value: str(i % 4 === 0 ? `api${i}.hostile.example` : pick()) },
      { key: 'url.full', value: str(`https://${pick()}/${pick()}?q=${pick()}`) },
      { key: 'url.template', value: str(`/${pick()}/${pick()}`) },
      { key: 'http.route', value: str(pick()) },
      { key: 'error.type', value: str(pick()) },
      { key: 'egress.vendor', value: str(pick()) },
      { key: 'egress.request.fields', value: { arrayValue: { values: [str(`${pick()}:string`), str(`${pick()}.${pick()}:number`), str(pick())] } } },
      { key: 'egress.request.pii', value: { arrayValue: { values: [str(`${pick()}:email`), str(`${pick()}:${pick()}`)] } } },
      { key: pick(), value: str(pick()) },
    ],
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: str(pick()) }, { key: 'deployment.environment', value: str(pick()) }] }, scopeSpans: [{ spans }] }],
  });
}

/** Every string in a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

const receivers: ResolvedReceiver[] = [
  { name: 'slack', type: 'slack', url: 'http://127.0.0.1:1/slack' },
  { name: 'pd', type: 'pagerduty', url: 'http://127.0.0.1:1/pd', routingKey: 'R0UTINGKEY0000000000000000000000' },
  { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: undefined },
];

describe('hostile strings in every span field, through a running instance', () => {
  const dir = tempDir();
  const config = join(dir.path, 'egresswatch.yaml');
  let ew: RunningInstance;
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const accepted: number[] = [];
  beforeAll(async () => {
    writeFileSync(config, 'vendors:\n  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name] }\n  stripe: { hosts: [api.stripe.com], allow_pii: [email] }\n');
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: config });
    // Honest traffic with the demo's incident, then hostile requests in the incident's minutes.
    for (const body of otlpRequests(demoSpans(now - 2 * 24 * 60 * MINUTE, now, now - 30 * MINUTE))) {
      const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
    for (let seed = 1; seed <= 12; seed++) {
      const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: hostileRequest(now - (20 - seed) * MINUTE, seed) });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { partialSuccess?: { rejectedSpans?: string } };
      accepted.push(40 - Number(answer.partialSuccess?.rejectedSpans ?? 0));
    }
  }, 180_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('stores some of them, cleaned, and the inventory API answers well-formed JSON without a control character', async () => {
    expect(accepted.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const res = await fetch(`${ew.url}/api/vendors`, { headers: { authorization: `Bearer ${ew.apiToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const inventory = (JSON.parse(text) as { vendors: { vendor: string; hosts: string[]; routes: { route: string }[] }[] }).vendors;
    expect(inventory.map((v) => v.vendor)).toEqual(expect.arrayContaining(['stripe', 'hubspot']));
    for (const s of strings(inventory)) expect(s).not.toMatch(CONTROL);
    for (const v of inventory) {
      expect(v.vendor).toMatch(/^[a-z0-9._:{}-]+$/);
      for (const h of v.hosts) expect(h).toMatch(/^[a-z0-9._:{}-]+$/);
      for (const r of v.routes) expect(r.route.length).toBeLessThanOrEqual(256 + 12);
    }
  });

  it('vendors --json and the text table are well-formed and print no control character', async () => {
    const env = { EGRESSWATCH_CONFIG: config };
    const json = await runCli(dir.path, ['vendors', '--json'], env);
    expect(json.code).toBe(0);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    expect(printable(json.stdout)).not.toMatch(TERMINAL_CONTROL);
    const table = await runCli(dir.path, ['vendors'], env);
    expect(table.code).toBe(0);
    expect(printable(table.stdout)).not.toMatch(TERMINAL_CONTROL);
  });

  it('detect keeps every honest finding and every receiver payload stays well-formed', async () => {
    const env = { EGRESSWATCH_CONFIG: config };
    const res = await runCli(dir.path, ['detect', '--from', new Date(now - 60 * MINUTE).toISOString(), '--to', new Date(now + MINUTE).toISOString(), '--json'], env);
    expect(res.code).toBe(0);
    const alerts = JSON.parse(res.stdout) as Alert[];
    const firing = alerts.filter((a) => a.status === 'firing');
    const kinds = firing.map((a) => `${a.kind}:${a.vendor}`);
    // What the demo's incident raises without the attacker (test/integration/cli/detect-replay.test.ts).
    expect(kinds).toEqual(expect.arrayContaining(['bytes_spike:stripe', 'pii_new:hubspot', 'pii_violation:hubspot', 'volume_spike:stripe']));
    for (const s of strings(alerts)) expect(s).not.toMatch(CONTROL);

    const { jobs } = planNotifications(firing, now, { receivers, routes: [], silences: [], groupIntervalMs: 300_000 });
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      const payload = job.receiver === 'slack' ? slackMessage(job) : job.receiver === 'pd' ? pagerDutyEvents(job, 'R0UTINGKEY0000000000000000000000', ew.url) : alertmanagerPayload(job, ew.url);
      const wire = JSON.stringify(payload);
      expect(JSON.parse(wire)).toEqual(payload);
      // Receivers' texts have line breaks of their own; nothing else may act on a reader.
      for (const s of strings(payload)) expect(printable(s)).not.toMatch(CONTROL);
      if (job.receiver === 'slack') expect(wire).not.toMatch(/<!|<https?:/);
    }
  });
});
