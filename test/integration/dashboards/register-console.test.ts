import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import type { FlowsAnswer, RegisterAnswer } from '../../../cli/register-api.js';
import { clip } from '../../../common/register/flow-map-svg.js';
import { runCli, startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { parseCsv } from '../../helpers/rfc4180.js';
import { findAll, parseXml, textOf } from '../../helpers/xml-check.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The privacy register as a user meets it while `start` runs: demo traffic over OTLP/HTTP, the
// CLI (`map`, `register export`) going through the instance's API, and the console in headless
// Chromium drawing the same diagram, the register with its shadow integrations, and the KPI.
const MINUTE = 60_000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
// The page callbacks run in Chromium; the project's TypeScript lib has no DOM.
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  createElement(tag: 'canvas'): { width: number; height: number; getContext(kind: '2d'): { drawImage(img: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
};
declare const location: { hash: string };
declare class Image {
  src: string;
  width: number;
  height: number;
  decode(): Promise<void>;
}
declare class DOMParser {
  parseFromString(text: string, type: string): { getElementsByTagName(name: string): { length: number }; documentElement: { localName: string } };
}

// The collector keeps only letters, digits and ` ._-/:@+#()` in service names (the rest becomes
// `_`); the register's own text comes from the config and may hold anything: markup in an owner.
const HOSTILE_SERVICE = 'billing <script>x</script> (ops) #1 @eu: a/b';
const HOSTILE_OWNER = '<img src=x onerror=alert(1)> & "ops"';
const CONFIG = [
  'vendors:',
  '  stripe: { hosts: [api.stripe.com], allow_pii: [email], owner: payments, purpose: card payments, legal_basis: contract, dpa: signed, dpa_signed_on: 2025-01-15, region: EU, transfer_mechanism: not_needed, retention_days: 30 }',
  `  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name], owner: ${JSON.stringify(HOSTILE_OWNER)}, legal_basis: consent, dpa: missing, region: US, transfer_mechanism: sccs }`,
  '',
].join('\n');

describe('privacy register: CLI through a running start, and the console', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'egresswatch-chromium-'));
  const configFile = join(dir.path, 'egresswatch.yaml');
  let ew: RunningInstance;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const spans = [
    ...demoSpans(now - 90 * MINUTE, now, now - 20 * MINUTE),
    { service: HOSTILE_SERVICE, atMs: now - 5 * MINUTE, host: 'api.stripe.com', route: '/v1/customers', method: 'POST', requestBytes: 100, fields: ['email:string'], pii: ['email:email'] },
  ].sort((a, b) => a.atMs - b.atMs);
  const apiGet = async <T>(path: string): Promise<T> => (await fetch(`${ew.url}${path}`, { headers: { authorization: `Bearer ${ew.apiToken}` } })).json() as Promise<T>;
  let register: RegisterAnswer;
  let services: string[];
  let vendors: string[];
  /** The hostile name as the collector stored it. */
  let hostile: string;

  beforeAll(async () => {
    writeFileSync(configFile, CONFIG);
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: configFile });
    for (const body of otlpRequests(spans)) {
      const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    }
    register = await apiGet<RegisterAnswer>('/api/register?since=1d');
    services = [...new Set(register.integrations.map((i) => i.service))].sort();
    vendors = register.vendors.filter((v) => v.observed).map((v) => v.vendor).sort();
    hostile = services.find((s) => s.startsWith('billing '))!;
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, timezoneId: 'UTC', viewport: { width: 1280, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await ew?.stop();
    rmSync(profile, { recursive: true, force: true });
    dir.remove();
  });

  it('the API sees the demo services and vendors, the two unregistered ones as shadow integrations', () => {
    expect(hostile).toBe('billing _script_x_/script_ (ops) #1 @eu: a/b');
    expect(services).toEqual(expect.arrayContaining(['checkout', 'crm-sync', 'notifications', 'reporting']));
    expect(vendors).toHaveLength(4);
    const shadow = register.vendors.filter((v) => v.shadow).map((v) => v.vendor);
    expect(shadow).toHaveLength(2);
    expect(shadow).toContain('twilio');
    expect(register.vendors.find((v) => v.vendor === 'hubspot')).toMatchObject({ gaps: ['no_dpa'], registered: true });
  });

  it('map --format svg (through the running instance) is valid SVG holding every service and vendor seen', async () => {
    const res = await runCli(dir.path, ['map', '--format', 'svg', '--since', '1d', '--config', configFile]);
    expect(res.code).toBe(0);
    const root = parseXml(res.stdout);
    const labels = findAll(root, 'text').filter((t) => t.attrs['class'] === 'label').map(textOf).sort();
    expect(labels).toEqual([...services, ...vendors].map((n) => clip(n, 40)).sort());
    expect(findAll(root, 'script')).toEqual([]);
    const hubspot = findAll(root, 'g').find((g) => g.attrs['data-name'] === 'hubspot')!;
    expect(findAll(hubspot, 'text').map(textOf)).toContain(clip(`owner: ${HOSTILE_OWNER} · US · SCCs`, 48));
    expect(findAll(hubspot, 'img')).toEqual([]);
    // Chromium's own XML parser agrees.
    await page.goto(`${ew.url}/console/console.css`);
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return [doc.getElementsByTagName('parsererror').length, doc.documentElement.localName];
    }, res.stdout);
    expect(parsed).toEqual([0, 'svg']);
  });

  it('register export --format csv (through the running instance) has one row per (service, vendor, route) flow', async () => {
    const res = await runCli(dir.path, ['register', 'export', '--since', '1d', '--config', configFile]);
    expect(res.code).toBe(0);
    const [header, ...rows] = parseCsv(res.stdout);
    const flows = (await apiGet<FlowsAnswer>('/api/register/flows?since=1d')).flows;
    expect(rows).toHaveLength(flows.length);
    const at = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[at('service')], r[at('vendor')], r[at('route')]]).sort()).toEqual(flows.map((f) => [f.service, f.vendor, f.route]).sort());
    expect(rows.find((r) => r[at('service')] === hostile)).toBeDefined();
  });

  it('the console draws the same diagram inline with every node label, a register with the shadow integrations, and the KPI', async () => {
    const link = /console\s+(http\S+\/login\?code=\S+)/.exec(ew.stdout())![1]!;
    await page.goto(link);
    await page.waitForFunction(() => document.body.dataset['loaded'] === location.hash);
    await page.waitForSelector('#flow-map svg text.label');

    const labels = await page.locator('#flow-map svg text.label').allTextContents();
    expect(labels.sort()).toEqual([...services, ...vendors].map((n) => clip(n, 40)).sort());
    // The hostile name is text in the diagram: no element of its own anywhere on the page.
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#flow-map svg g[data-name="hubspot"]').textContent()).toContain('owner: <img src=x onerror=alert(1)> & "ops"');
    expect(await page.locator('#flow-map svg g[data-kind="vendor"][data-shadow="true"]').count()).toBe(2);

    // What Chromium painted for the diagram: decoded in the page, well more than a blank box.
    const png = await page.locator('#flow-map svg').screenshot();
    const painted = await page.evaluate(async (dataUrl) => {
      const img = new Image();
      img.src = dataUrl;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const colours = new Set<number>();
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        if (data[i]! + data[i + 1]! + data[i + 2]! < 600) ink++;
      }
      return { width: img.width, height: img.height, colours: colours.size, ink: ink / (data.length / 4) };
    }, `data:image/png;base64,${png.toString('base64')}`);
    expect(painted.width).toBeGreaterThan(600);
    expect(painted.height).toBeGreaterThan(200);
    expect(painted.colours).toBeGreaterThan(20);
    expect(painted.ink).toBeGreaterThan(0.02);

    // The register next to what was seen: shadow rows, the gap policy check fails on, risk badges.
    const rows = await page.$$eval('#register-table tbody tr', (trs) => trs.map((tr) => ({ vendor: tr.getAttribute('data-vendor'), shadow: tr.classList.contains('shadow'), text: tr.textContent ?? '' })));
    expect(rows.map((r) => r.vendor).sort()).toEqual(vendors);
    expect(rows.filter((r) => r.shadow).map((r) => r.vendor).sort()).toEqual(register.vendors.filter((v) => v.shadow).map((v) => v.vendor).sort());
    expect(rows.find((r) => r.vendor === 'hubspot')!.text).toContain('policy check fails: no DPA');
    expect(rows.find((r) => r.vendor === 'stripe')!.text).toContain('contract · DPA signed 2025-01-15 · owner payments · EU');
    const risks = await page.$$eval('#register-table tbody tr .badge.risk', (els) => els.map((e) => Number(e.getAttribute('data-risk'))));
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    expect(await page.locator('#tile-shadow .n').innerText()).toBe('2');
    expect(await page.locator('details.vendor[data-vendor="twilio"] .badge.shadow').count()).toBe(1);

    // The KPI: a drawn chart and a table whose last day has the vendors' sensitive fields.
    await page.waitForSelector('#chart-pii-kpi[data-drawn]');
    const kpi = await page.$$eval('#kpi-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-vendor'), Number(tr.querySelector('[data-last]')?.getAttribute('data-last'))]));
    expect(kpi[0]![0]).toBe('');
    expect(kpi[0]![1]).toBeGreaterThanOrEqual(4);
    expect(kpi.map(([v]) => v)).toEqual(expect.arrayContaining(['hubspot', 'stripe', 'twilio']));
    expect(cspViolations).toEqual([]);
  });
});
