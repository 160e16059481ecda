import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpans, otlpRequests } from '../../../cli/demo-traffic.js';
import type { StoredAlert } from '../../../storage/alert-store.js';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { eventually } from '../../helpers/eventually.js';
import { tempDir } from '../../helpers/temp-dir.js';

// The console as a user meets it: a real `egresswatch start`, traffic sent over OTLP/HTTP, the
// login link from its stdout opened in headless Chromium. What the charts drew is read from the
// values table and the data- attributes the page sets from uPlot's draw hook, not from pixels.
const MINUTE = 60_000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
// What the page callbacks below use of the browser: they run in Chromium (the page's CSP forbids
// string evaluation), and the project's TypeScript lib has no DOM.
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};
declare const location: { hash: string };
declare const performance: { getEntriesByType(type: 'navigation'): Array<{ responseStatus: number }> };
declare function getComputedStyle(element: unknown): { backgroundColor: string; unicodeBidi: string };

// Markup and right-to-left text in a service name (the collector turns `<`, `>`, `=` and controls into `_`).
const HOSTILE_SERVICE = 'שירות 42 <img src=x onerror=alert(1)>';
const CONFIG = [
  'vendors:',
  '  hubspot: { hosts: [api.hubapi.com], allow_pii: [email, person_name] }',
  '  stripe: { hosts: [api.stripe.com], allow_pii: [email] }',
  // A live step every 10 s: the incident's pii_violation is firing a few seconds after ingest.
  'detection: { step_seconds: 10 }',
  'alerts: { dashboard_url_template: "http://grafana.test/d/egresswatch-vendor?var-vendor={vendor}&var-service={service}" }',
  '',
].join('\n');

describe('console in a browser', () => {
  const dir = tempDir();
  const profile = mkdtempSync(join(tmpdir(), 'egresswatch-chromium-'));
  let ew: RunningInstance;
  let context: BrowserContext;
  let page: Page;
  /** What Chromium reported against the page's Content-Security-Policy (uPlot included). */
  const cspViolations: string[] = [];
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const spans = [
    // Through the next minutes too: the SSN is still flowing when the live steps look.
    ...demoSpans(now - 3 * 60 * MINUTE, now + 5 * MINUTE, now - 30 * MINUTE),
    { service: HOSTILE_SERVICE, atMs: now - 5 * MINUTE, host: 'api.stripe.com', route: '/v1/customers', method: 'POST', requestBytes: 100, fields: ['<b>bold</b>:string'], pii: [] },
  ].sort((a, b) => a.atMs - b.atMs);

  /** The page's API with the instance token, as the CLI calls it. */
  const apiGet = async <T>(path: string): Promise<T> => (await fetch(`${ew.url}${path}`, { headers: { authorization: `Bearer ${ew.apiToken}` } })).json() as Promise<T>;
  /** Waits until the page has loaded and drawn the state its address names. */
  const loaded = (): Promise<unknown> => page.waitForFunction(() => document.body.dataset['loaded'] === location.hash);

  beforeAll(async () => {
    writeFileSync(join(dir.path, 'egresswatch.yaml'), CONFIG);
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: join(dir.path, 'egresswatch.yaml') });
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

  it('logs in with the link `start` printed; a fresh install offers `egresswatch demo`', async () => {
    await page.goto(ew.url);
    await page.waitForFunction(() => /Not logged in/.test(document.getElementById('status')?.textContent ?? ''));
    const link = /console\s+(http\S+\/login\?code=\S+)/.exec(ew.stdout())![1]!;
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/');
    await loaded();
    const empty = await page.locator('#empty-state').innerText();
    expect(empty).toContain('No egress recorded yet');
    expect(empty).toContain('egresswatch demo --keep');
    // The demo data is not in this instance: the page says where it is seen.
    expect(empty).toContain('egresswatch start --config /tmp/egresswatch-demo-…/egresswatch.yaml');
    expect(empty).not.toContain('open here');
    expect(empty).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=${ew.url}`);
  });

  describe('with traffic', () => {
    beforeAll(async () => {
      for (const body of otlpRequests(spans)) {
        const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(res.status).toBe(200);
      }
      // The live worker raises the incident's SSN to HubSpot (its allow_pii lacks ssn).
      await eventually(
        async () => {
          const firing = await apiGet<StoredAlert[]>('/api/alerts?status=firing');
          if (!firing.some((a) => a.kind === 'pii_violation' && a.vendor === 'hubspot')) throw new Error(`no pii_violation for hubspot within 90 s: ${ew.stderr().slice(-2000)}`);
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      await page.goto(`${ew.url}/`);
      await loaded();
    }, 150_000);

    it('a custom time range and a vendor: the charts draw the stored calls and bytes per minute, the alert is marked, Grafana opens on the range', async () => {
      // From a 10-minute boundary, 80 minutes: the incident, and the alert raised just now.
      const from = Math.floor((now - 60 * MINUTE) / (10 * MINUTE)) * 10 * MINUTE;
      const to = from + 80 * MINUTE;
      const local = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
      await page.selectOption('#range-preset', 'custom');
      await page.fill('#range-from', local(from));
      await page.fill('#range-to', local(to));
      await page.click('#range-apply');
      await page.waitForFunction(() => location.hash.includes('range=custom'));
      await loaded();
      expect(await page.locator('#range-label').innerText()).toContain(`${local(from).replace('T', ' ')} – ${local(to).replace('T', ' ')}`);

      // The sparkline of HubSpot's card: its calls over the range (80 min / ~60 points: 2-min buckets).
      const hubspot = spans.filter((s) => s.host === 'api.hubapi.com');
      const inRange = hubspot.filter((s) => s.atMs >= from && s.atMs < to);
      const spark = (await page.locator('details.vendor[data-vendor="hubspot"] svg.spark').getAttribute('data-values'))!.split(',').map(Number);
      expect(spark.reduce((a, b) => a + b, 0)).toBe(inRange.length);

      await page.click('details.vendor[data-vendor="hubspot"] a.vendor-link');
      await page.waitForSelector('#chart-calls[data-drawn]');
      await loaded();
      expect(await page.locator('#vendor-title').innerText()).toBe('hubspot');
      const table = await page.$$eval('.series-table tbody tr', (rows) =>
        rows.map((r) => ({ t: Number(r.getAttribute('data-t')), calls: Number(r.querySelector('[data-metric="calls"]')!.textContent), rq: Number(r.querySelector('[data-metric="request_bytes"]')!.textContent), p95: r.querySelector('[data-metric="p95_ms"]')!.textContent })),
      );
      expect(await page.locator('.series-table').getAttribute('data-step-seconds')).toBe('60');
      expect(table.map((r) => r.t * 1000)).toEqual(Array.from({ length: 80 }, (_, i) => from + i * MINUTE));
      const sent = table.map((r) => {
        const minute = hubspot.filter((s) => s.atMs >= r.t * 1000 && s.atMs < r.t * 1000 + MINUTE);
        return { t: r.t, calls: minute.length, rq: minute.reduce((a, s) => a + s.requestBytes, 0) };
      });
      expect(table.map(({ t, calls, rq }) => ({ t, calls, rq }))).toEqual(sent);
      expect(table.every((r) => (r.calls > 0) === (r.p95 !== ''))).toBe(true);

      // Four charts drawn on canvas with every bucket; the calls axis reaches the busiest minute.
      const charts = await page.$$eval('.chart', (els) => els.map((c) => ({ id: c.id, points: c.getAttribute('data-points'), markers: Number(c.getAttribute('data-markers-drawn')), yMax: Number(c.getAttribute('data-y-max')), canvas: (c.querySelector('canvas')?.width ?? 0) > 0 })));
      expect(charts.map((c) => c.id)).toEqual(['chart-calls', 'chart-bytes', 'chart-errors', 'chart-p95']);
      for (const c of charts) expect(c).toMatchObject({ points: '80', canvas: true });
      expect(charts[0]!.yMax).toBeGreaterThanOrEqual(Math.max(...sent.map((s) => s.calls)));
      // The firing pii_violation is shaded on every chart and listed below them.
      expect(charts.every((c) => c.markers >= 1)).toBe(true);
      expect(await page.locator('#vendor-alerts').innerText()).toMatch(/pii_violation[\s\S]*ssn/);

      const grafana = new URL((await page.locator('#grafana-link').getAttribute('href'))!);
      expect([grafana.origin + grafana.pathname, grafana.searchParams.get('var-vendor'), grafana.searchParams.get('from'), grafana.searchParams.get('to')]).toEqual([
        'http://grafana.test/d/egresswatch-vendor',
        'hubspot',
        String(from),
        String(to),
      ]);
      // The filter narrows the data map and leaves the charts as drawn.
      await page.fill('#filter-text', 'lifecycle');
      expect(await page.locator('#vendor-data-map td.field').allInnerTexts()).toEqual(['properties.lifecyclestage']);
      expect(await page.locator('#chart-calls canvas').count()).toBe(1);
      await page.fill('#filter-text', '');
      // uPlot sizes its elements through element.style (CSSOM), which `style-src 'self'` allows.
      expect(cspViolations).toEqual([]);
      await page.click('#back');
      await loaded();
    });

    it('the filter narrows alerts, silences and inventory alike; a violating PII class stands out; hostile names stay text', async () => {
      await page.selectOption('#range-preset', '24h');
      await loaded();
      await page.fill('#filter-text', 'stripe');
      expect(await page.locator('#inventory details.vendor').evaluateAll((els) => els.map((e) => e.getAttribute('data-vendor')))).toEqual(['stripe']);
      expect(await page.locator('#alerts').innerText()).not.toContain('hubspot');
      await page.fill('#filter-text', 'hubspot');
      expect(await page.locator('#inventory details.vendor').evaluateAll((els) => els.map((e) => e.getAttribute('data-vendor')))).toEqual(['hubspot']);
      expect(await page.locator('#alerts tbody tr').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#alerts').innerText()).toContain('pii_violation');
      // Over 24 h the sparkline holds every call sent to HubSpot up to the range's end (minutes
      // that started before it; the spans run a few minutes into the future).
      const spark = (await page.locator('details.vendor[data-vendor="hubspot"] svg.spark').getAttribute('data-values'))!.split(',').map(Number);
      const end = Number(await page.locator('body').getAttribute('data-to'));
      expect(spark.reduce((a, b) => a + b, 0)).toBe(spans.filter((s) => s.host === 'api.hubapi.com' && Math.floor(s.atMs / MINUTE) * MINUTE < end).length);

      const badges = await page.$$eval('details.vendor[data-vendor="hubspot"] summary .badge.pii', (els) => els.map((e) => [e.getAttribute('data-pii'), e.getAttribute('data-status'), getComputedStyle(e).backgroundColor]));
      expect(badges.map(([c, s]) => [c, s])).toEqual([
        ['ssn', 'violating'],
        ['email', 'allowed'],
        ['person_name', 'allowed'],
      ]);
      // Filled for a violation, not for an allowed class.
      expect(badges[0]![2]).not.toBe(badges[1]![2]);
      const ssnField = page.locator('details.vendor[data-vendor="hubspot"] tr', { hasText: 'properties.ssn' }).locator('.badge.pii');
      expect(await ssnField.getAttribute('data-status')).toBe('violating');

      // The name as stored, as text in an isolated run: no element made of it, no reordering of its neighbours.
      const stored = (await apiGet<{ vendors: Array<{ services: string[] }> }>('/api/vendors?vendor=stripe')).vendors[0]!.services.find((s) => s.includes('onerror'))!;
      expect(stored).toContain('שירות 42');
      await page.fill('#filter-text', 'onerror');
      const service = page.locator('details.vendor[data-vendor="stripe"] bdi.service').filter({ hasText: 'onerror' }).first();
      expect(await service.evaluate((e) => [e.textContent, getComputedStyle(e).unicodeBidi])).toEqual([stored, 'isolate']);
      expect(await page.locator('img').count()).toBe(0);
      await page.fill('#filter-text', '');
    });

    it('silences an alert from its row, shows it silenced, and expires the silence', async () => {
      const row = page.locator('#alerts tbody tr', { hasText: 'hubspot' }).filter({ hasText: 'pii_violation' });
      await row.locator('button.silence-alert').click();
      expect(await page.inputValue('#silence-matchers')).toBe('vendor=hubspot kind=pii_violation service=crm-sync');
      await page.fill('#silence-comment', 'INC-7 SSN to HubSpot: fix deploying');
      await page.click('#silence-form button[type="submit"]');
      await page.waitForSelector('#silences tr.silence.active');
      expect(await page.locator('#silence-result').innerText()).toMatch(/^added: vendor=hubspot kind=pii_violation service=crm-sync until /);
      expect(await page.locator('#silences tr.silence.active').innerText()).toContain('INC-7 SSN to HubSpot');
      await page.waitForSelector('#alerts tr.is-silenced');
      expect(await row.locator('.badge.silenced').count()).toBe(1);

      await page.click('#silences tr.silence.active button.expire-silence');
      await page.waitForFunction(() => document.querySelectorAll('#silences tr.silence.active').length === 0);
      expect(await row.locator('button.silence-alert').count()).toBe(1);
      const stored = await apiGet<Array<{ comment: string; state: string }>>('/api/silences');
      expect(stored.map((s) => [s.comment, s.state])).toEqual([['INC-7 SSN to HubSpot: fix deploying', 'expired']]);
    });

    it("follows an alert's runbook link to a page that answers 200", async () => {
      const link = page.locator('#alerts tbody tr', { hasText: 'pii_violation' }).first().locator('a.runbook');
      const [runbook] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await runbook.waitForLoadState('load');
      const status = await runbook.evaluate(() => performance.getEntriesByType('navigation')[0]?.responseStatus);
      expect(status).toBe(200);
      expect(new URL(runbook.url()).pathname).toBe('/runbooks/pii_violation');
      expect(await runbook.locator('h1').innerText()).toMatch(/pii/i);
      await runbook.close();
    });
  });
});
