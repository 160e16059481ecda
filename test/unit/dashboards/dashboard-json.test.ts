import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../../common/package-root.js';
import { loadDashboards } from '../../../dashboards/dashboard-files.js';
import { CLICKHOUSE_DATASOURCE_TYPE, dashboardQueries, type GrafanaPanel } from '../../../dashboards/panel-sql.js';
import { metricsRegistry, startProcessMetrics } from '../../../collector/metrics.js';

// The dashboard JSON files must be dashboards Grafana provisions without complaint, and every
// query must point at a datasource the provisioning creates.

const root = packageRoot();
const provisioned = ['clickhouse.yaml', 'prometheus.yaml'].flatMap(
  (f) => (parseYaml(readFileSync(join(root, 'dashboards/grafana/provisioning/datasources', f), 'utf8')) as { datasources: Array<{ uid: string; type: string }> }).datasources,
);
const dashboards = loadDashboards();

function flatPanels(panels: GrafanaPanel[]): GrafanaPanel[] {
  return panels.flatMap((p) => [p, ...flatPanels(p.panels ?? [])]);
}

describe('dashboard JSON', () => {
  it('has the five dashboards of docs/ARCHITECTURE.md, with the vendor dashboard at the uid alerts link to', () => {
    expect(dashboards.map((d) => [d.file, d.dashboard.uid])).toEqual([
      ['alerts.json', 'egresswatch-alerts'],
      ['data-map.json', 'egresswatch-data-map'],
      ['overview.json', 'egresswatch-overview'],
      ['pipeline-health.json', 'egresswatch-pipeline'],
      ['vendor.json', 'egresswatch-vendor'],
    ]);
    const vendor = dashboards.find((d) => d.dashboard.uid === 'egresswatch-vendor')!.dashboard;
    expect(vendor.templating?.list.map((v) => v.name)).toEqual(['vendor', 'service']);
  });

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s: uid, title, unique panel ids and titles, provisioned datasources', (_file, d) => {
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(d.title.length).toBeGreaterThan(0);
    const panels = flatPanels(d.panels);
    expect(panels.length).toBeGreaterThan(3);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids').toBe(ids.length);
    const titles = panels.filter((p) => p.type !== 'row').map((p) => p.title);
    expect(new Set(titles).size, 'panel titles').toBe(titles.length);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      const ds = provisioned.find((x) => x.uid === p.datasource?.uid);
      expect(ds, `${p.title}: datasource ${p.datasource?.uid}`).toBeDefined();
      expect(p.datasource?.type).toBe(ds!.type);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid ?? p.datasource?.uid, `${p.title} ${t.refId}`).toBe(p.datasource?.uid);
        expect(t.rawSql ?? t.expr, `${p.title} ${t.refId}: query`).toBeTruthy();
      }
      const g = (p as GrafanaPanel & { gridPos?: { x: number; y: number; w: number; h: number } }).gridPos;
      expect(g && g.x + g.w <= 24 && g.w > 0 && g.h > 0, `${p.title}: gridPos`).toBe(true);
    }
    for (const v of d.templating?.list ?? []) expect(provisioned.map((x) => x.uid)).toContain(v.datasource?.uid);
  });

  it('reads the rollups, and raw spans only in panels that say so', () => {
    for (const q of dashboards.flatMap((d) => dashboardQueries(d.dashboard))) {
      if (/\bFROM egress_spans\b/.test(q.rawSql)) expect(q.title, q.dashboardUid).toMatch(/raw spans/);
    }
  });

  it('queries only metrics the collector exports', async () => {
    startProcessMetrics();
    const exported = new Set<string>();
    for (const m of await metricsRegistry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    const exprs = dashboards.flatMap((d) => flatPanels(d.dashboard.panels)).flatMap((p) => (p.targets ?? []).map((t) => t.expr).filter((e): e is string => !!e));
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      for (const name of expr.match(/\begresswatch_\w+/g) ?? []) expect(exported, expr).toContain(name);
    }
  });

  it('provisions the ClickHouse datasource the dashboards name', () => {
    const ch = provisioned.find((d) => d.uid === 'egresswatch-clickhouse');
    expect(ch?.type).toBe(CLICKHOUSE_DATASOURCE_TYPE);
    const provider = parseYaml(readFileSync(join(root, 'dashboards/grafana/provisioning/dashboards/egresswatch.yaml'), 'utf8')) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    const compose = readFileSync(join(root, 'compose.yaml'), 'utf8');
    // The provider's path is where compose mounts the dashboard JSON.
    expect(compose).toContain(`./dashboards/grafana/dashboards:${provider.providers[0]!.options.path}:ro`);
  });
});
