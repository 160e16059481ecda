import { describe, expect, it } from 'vitest';
import { loadDashboards } from '../../../dashboards/dashboard-files.js';
import { dashboardQueries, expandPanelSql, type GrafanaPanel, type GrafanaVariable } from '../../../dashboards/panel-sql.js';

// ClickHouse string literals honour backslash escapes, so Grafana's sqlstring format (which only
// doubles ') lets a value like \' end the literal. The dashboards put every template variable
// into SQL through a format whose output has neither quote nor backslash, and decode it in
// ClickHouse; these tests pin the formats to Grafana's and hold every panel to that rule.

const range = { fromMs: Date.parse('2026-11-23T09:00:00Z'), toMs: Date.parse('2026-11-23T11:00:00Z') };
const HOSTILE = ["\\' OR 1=1 -- ", "'", '\\', '"', '%27', "x') OR ('1'='1", 'ünï €😀', 'a,b', 'a&b=c', '$vendor', '\n\t\0', '*!()~'];

/** The two wrappers a panel may put a variable in; `NAME` stands for the variable's name. */
const SINGLE = "decodeURLComponent('${NAME:percentencode}')";
const MULTI = "arrayMap(p -> decodeURLComponent(splitByChar('=', p)[2]), splitByChar('&', '${NAME:queryparam}'))";

/** The SQL with each `$__conditionalAll(cond, $var)` reduced to `cond`: `$var` only names the variable. */
function withoutConditionalAllNames(sql: string): string {
  const macro = '$__conditionalAll(';
  let out = '';
  let rest = sql;
  for (let at = rest.indexOf(macro); at !== -1; at = rest.indexOf(macro)) {
    let depth = 0;
    let lastComma = -1;
    let end = at + macro.length - 1;
    for (; end < rest.length; end++) {
      if (rest[end] === '(') depth++;
      else if (rest[end] === ')' && --depth === 0) break;
      else if (rest[end] === ',' && depth === 1) lastComma = end;
    }
    expect(rest.slice(lastComma + 1, end).trim(), sql).toMatch(/^\$\w+$/);
    out += rest.slice(0, at) + rest.slice(at + macro.length, lastComma);
    rest = rest.slice(end + 1);
  }
  return out + rest;
}

describe('percentencode and queryparam, as Grafana formats them', () => {
  it('percentencode: RFC 3986 strict, a multi-value as {a,b} encoded whole (scenes formatRegistry)', () => {
    const variables = { v: "foo()bar BAZ'!*", m: ['foo()bar BAZ', 'test2'] };
    expect(expandPanelSql('${v:percentencode} ${m:percentencode}', { ...range, variables })).toBe('foo%28%29bar%20BAZ%27%21%2A %7Bfoo%28%29bar%20BAZ%2Ctest2%7D');
  });

  it("queryparam: the variable's URL state, var-name=value per value; All is $__all", () => {
    const variables = { one: "x'y", many: ['a b', 'c,d', '$e@f:g;h', 'i&j=k'], every: { all: ['a', 'b'] } };
    expect(expandPanelSql('${one:queryparam}', { ...range, variables })).toBe('var-one=x%27y');
    expect(expandPanelSql('${many:queryparam}', { ...range, variables })).toBe('var-many=a%20b&var-many=c,d&var-many=$e@f:g;h&var-many=i%26j%3Dk');
    // Grafana sends that as text, a filter that matches nothing: panels use queryparam only
    // inside $__conditionalAll, which drops the condition for All first.
    expect(() => expandPanelSql("'${every:queryparam}'", { ...range, variables })).toThrow(/unknown macro '\$__all'/);
    expect(expandPanelSql("$__conditionalAll(has(x, '${every:queryparam}'), $every)", { ...range, variables })).toBe('1=1');
  });

  it.each(HOSTILE)('%j: neither format can end a ClickHouse string literal', (value) => {
    for (const format of ['percentencode', 'queryparam']) {
      const out = expandPanelSql(`\${v:${format}}|\${m:${format}}`, { ...range, variables: { v: value, m: [value, value] } });
      expect(out, format).not.toMatch(/['\\\n\r\0]/);
    }
  });
});

describe('template variables in the dashboards', () => {
  const dashboards = loadDashboards();

  it('are query variables the dropdown fills from the store, synced to the URL, no typed values', () => {
    for (const { dashboard } of dashboards) {
      for (const v of dashboard.templating?.list ?? []) {
        const variable = v as GrafanaVariable & { skipUrlSync?: boolean; allowCustomValue?: boolean };
        expect(variable.type, `${dashboard.uid} $${variable.name}`).toBe('query');
        // queryparam is the variable's URL state: without URL sync it would be empty.
        expect(variable.skipUrlSync ?? false, `${dashboard.uid} $${variable.name}`).toBe(false);
        expect(variable.allowCustomValue, `${dashboard.uid} $${variable.name}`).toBe(false);
      }
    }
  });

  it('reach the SQL only decoded from percentencode (single value) or queryparam (multi-value)', () => {
    let checked = 0;
    for (const { dashboard } of dashboards) {
      const variables = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
      for (const q of dashboardQueries(dashboard)) {
        let sql = withoutConditionalAllNames(q.rawSql);
        for (const [name, v] of variables) {
          const wrapper = (v.multi ? MULTI : SINGLE).replace('NAME', name);
          checked += sql.split(wrapper).length - 1;
          sql = sql.split(wrapper).join('');
        }
        expect(sql, `${q.dashboardUid} / ${q.title}: a variable outside the safe wrappers`).not.toMatch(/\$\{?(?!__)\w|\[\[\w/);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('are percent-encoded where data links put them in a query parameter', () => {
    const panels = (ps: GrafanaPanel[]): GrafanaPanel[] => ps.flatMap((p) => [p, ...panels(p.panels ?? [])]);
    const urls = JSON.stringify(dashboards.flatMap((d) => panels(d.dashboard.panels))).match(/"url":"[^"]*"/g) ?? [];
    const params = urls.flatMap((url) => url.match(/=\$\{[^}]+\}/g) ?? []);
    expect(params.length).toBeGreaterThan(0);
    for (const param of params) expect(param).toMatch(/:percentencode\}$/);
  });
});
