import { describe, expect, it } from 'vitest';
import { dashboardQueries, expandPanelSql, parseGrafanaDuration, type GrafanaDashboard } from '../../../dashboards/panel-sql.js';

// Expected strings are what grafana-clickhouse-datasource produces (pkg/macros/macros.go and
// the frontend's applyConditionalAll / variable format), so a panel tested here runs the same
// SQL that Grafana sends.
const range = { fromMs: Date.parse('2026-11-23T09:00:00Z'), toMs: Date.parse('2026-11-23T11:00:00.250Z') };
const FROM_S = 1795424400;
const TO_S = 1795431600;

describe('expandPanelSql', () => {
  it('expands the time macros like the plugin', () => {
    expect(expandPanelSql('WHERE $__timeFilter(minute)', range)).toBe(`WHERE minute >= toDateTime(${FROM_S}) AND minute <= toDateTime(${TO_S})`);
    expect(expandPanelSql('WHERE $__timeFilter_ms(ts)', range)).toBe(`WHERE ts >= fromUnixTimestamp64Milli(${FROM_S}000) AND ts <= fromUnixTimestamp64Milli(${TO_S}250)`);
    expect(expandPanelSql('$__fromTime $__toTime $__fromTime_ms', range)).toBe(`toDateTime(${FROM_S}) toDateTime(${TO_S}) fromUnixTimestamp64Milli(${FROM_S}000)`);
    expect(expandPanelSql('$__dateFilter(d)', range)).toBe("d >= toDate('2026-11-23') AND d <= toDate('2026-11-23')");
    expect(expandPanelSql('$__dt(d, t)', range)).toBe(`(d >= toDate('2026-11-23') AND d <= toDate('2026-11-23')) AND (t >= toDateTime(${FROM_S}) AND t <= toDateTime(${TO_S}))`);
  });

  it('buckets by the interval: explicit, else range / max data points, not below the panel minimum', () => {
    expect(expandPanelSql('$__timeInterval(minute) / $__interval_s', { ...range, intervalMs: 300_000 })).toBe('toStartOfInterval(toDateTime(minute), INTERVAL 300 second) / 300');
    // 2 h / 1000 points = 7.2 s, which Grafana rounds to 5 s; the rollup panels' minimum is 1 minute.
    expect(expandPanelSql('$__interval_s', range)).toBe('5');
    expect(expandPanelSql('$__interval_s', { ...range, minIntervalMs: 60_000 })).toBe('60');
    expect(expandPanelSql('$__interval_s', { ...range, toMs: range.fromMs + 7 * 86_400_000 })).toBe('600');
    expect(expandPanelSql('$__timeInterval_ms(t)', { ...range, intervalMs: 1500 })).toBe('toStartOfInterval(toDateTime64(t, 3), INTERVAL 1500 millisecond)');
  });

  it('interpolates variables the way the plugin formats them', () => {
    const variables = { vendor: 'stripe', services: ['checkout', "o'brien"], all: { all: ['a', 'b'] } };
    expect(expandPanelSql("vendor = '$vendor' AND vendor = ${vendor:sqlstring}", { ...range, variables })).toBe("vendor = 'stripe' AND vendor = 'stripe'");
    expect(expandPanelSql('service IN ($services)', { ...range, variables })).toBe("service IN ('checkout','o'brien')");
    expect(expandPanelSql('service IN (${services:sqlstring})', { ...range, variables })).toBe("service IN ('checkout','o''brien')");
    expect(expandPanelSql('x IN (${all:sqlstring}) [[vendor]] ${vendor:csv}', { ...range, variables })).toBe("x IN ('a','b') stripe stripe");
    expect(expandPanelSql('$__interval $__interval_ms $__from', { ...range, intervalMs: 120_000 })).toBe(`2m 120000 ${range.fromMs}`);
  });

  it('drops a $__conditionalAll condition when the variable is All', () => {
    const sql = 'WHERE vendor = 1 AND $__conditionalAll(service IN (${service:sqlstring}), $service) AND $__conditionalAll(pii IN (${pii:sqlstring}), $pii)';
    expect(expandPanelSql(sql, { ...range, variables: { service: { all: ['a', 'b'] }, pii: ['email'] } })).toBe("WHERE vendor = 1 AND 1=1 AND pii IN ('email')");
    expect(expandPanelSql(sql, { ...range, variables: { service: ['a'], pii: [] } })).toBe("WHERE vendor = 1 AND service IN ('a') AND 1=1");
  });

  it('leaves SQL without macros untouched, including regex dollars', () => {
    const sql = "SELECT replaceRegexpOne(f, ':[^:]*$', '') FROM t";
    expect(expandPanelSql(sql, range)).toBe(sql);
  });

  it('refuses what Grafana would pass through to a failing query', () => {
    expect(() => expandPanelSql('$__timeFilters(minute)', range)).toThrow(/unknown macro '\$__timeFilters'/);
    expect(() => expandPanelSql('$__timeFilter(a, b)', range)).toThrow(/expects 1 argument/);
    expect(() => expandPanelSql("vendor = '$vendr'", { ...range, variables: { vendor: 'x' } })).toThrow(/no value given for template variable 'vendr'/);
    expect(() => expandPanelSql('$__conditionalAll(x = 1, $nope)', range)).toThrow(/no value given for variable 'nope'/);
    expect(() => expandPanelSql('$__timeFilter(minute', range)).toThrow(/unbalanced/);
  });
});

describe('dashboardQueries', () => {
  const dashboard: GrafanaDashboard = {
    uid: 'd',
    title: 'D',
    panels: [
      { id: 1, type: 'stat', title: 'ch', datasource: { type: 'grafana-clickhouse-datasource', uid: 'ch' }, interval: '1m', targets: [{ refId: 'A', rawSql: 'SELECT 1' }] },
      { id: 2, type: 'timeseries', title: 'prom', datasource: { type: 'prometheus', uid: 'p' }, targets: [{ refId: 'A', expr: 'up' }] },
      {
        id: 3,
        type: 'row',
        title: 'row',
        panels: [{ id: 4, type: 'table', title: 'nested', datasource: { type: 'grafana-clickhouse-datasource', uid: 'ch' }, targets: [{ refId: 'B', rawSql: 'SELECT 2' }] }],
      },
    ],
    templating: { list: [{ name: 'vendor', type: 'query', datasource: { type: 'grafana-clickhouse-datasource', uid: 'ch' }, query: { rawSql: 'SELECT 3' } }] },
  };

  it('takes ClickHouse targets from panels, rows and query variables; skips other datasources', () => {
    expect(dashboardQueries(dashboard).map((q) => [q.title, q.panelId, q.panelType, q.refId, q.rawSql, q.minIntervalMs])).toEqual([
      ['ch', 1, 'stat', 'A', 'SELECT 1', 60_000],
      ['nested', 4, 'table', 'B', 'SELECT 2', undefined],
      ['$vendor', undefined, 'variable', 'vendor-variable', 'SELECT 3', undefined],
    ]);
  });

  it('parses Grafana durations', () => {
    expect([parseGrafanaDuration('30s'), parseGrafanaDuration('1m'), parseGrafanaDuration('2h')]).toEqual([30_000, 60_000, 7_200_000]);
    expect(() => parseGrafanaDuration('1 minute')).toThrow(/not a Grafana duration/);
  });
});
