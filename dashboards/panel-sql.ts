/**
 * The SQL of the Grafana dashboards, as ClickHouse will run it: every panel's and template
 * variable's query taken out of the dashboard JSON, then expanded the way Grafana and the
 * official ClickHouse datasource (grafana-clickhouse-datasource v4) do before a query reaches
 * the server. Pure: no I/O, so tests can run each panel against the embedded store.
 *
 * Expansion order follows the plugin: the frontend first resolves `$__conditionalAll(cond, $var)`,
 * then template variables (`$var`, `${var}`, `${var:format}`, `[[var]]`, and Grafana's
 * `$__interval`, `$__from`, …); the backend then expands its macros (`$__timeFilter(col)`, …).
 */

/** The datasource type of the official ClickHouse plugin. */
export const CLICKHOUSE_DATASOURCE_TYPE = 'grafana-clickhouse-datasource';

/** A datasource reference as dashboard JSON holds it. */
export interface DatasourceRef {
  type?: string;
  uid?: string;
}

/** The parts of a Grafana panel this module reads. */
export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef | null;
  /** Minimum query interval, e.g. `1m` (Grafana's "Min interval"). */
  interval?: string;
  targets?: Array<{ refId: string; datasource?: DatasourceRef; rawSql?: string; expr?: string }>;
  /** Panels inside a collapsed row. */
  panels?: GrafanaPanel[];
}

/** The parts of a template variable this module reads. */
export interface GrafanaVariable {
  name: string;
  type: string;
  datasource?: DatasourceRef | null;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
}

/** The parts of a dashboard this module reads. */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: GrafanaPanel[];
  templating?: { list: GrafanaVariable[] };
}

/** One ClickHouse query of a dashboard: a panel target or a template variable's query. */
export interface DashboardQuery {
  dashboardUid: string;
  /** Panel title, or `$name` for a template variable. */
  title: string;
  /** Panel id; undefined for a template variable. */
  panelId: number | undefined;
  /** Panel type (`stat`, `timeseries`, `table`, …); `variable` for a template variable. */
  panelType: string;
  refId: string;
  datasourceUid: string | undefined;
  rawSql: string;
  /** The panel's minimum interval in ms (its `interval` field), if set. */
  minIntervalMs: number | undefined;
}

/** A template variable's selection: one value, several, or "All" over the given options. */
export type VariableValue = string | readonly string[] | { readonly all: readonly string[] };

/** What Grafana would know when it sends the query. */
export interface ExpandOptions {
  /** Time range start and end, epoch ms. */
  fromMs: number;
  toMs: number;
  /** Query interval in ms. Default: Grafana's, range / maxDataPoints rounded, at least `minIntervalMs`. */
  intervalMs?: number;
  /** The panel's minimum interval in ms. Default 1000. */
  minIntervalMs?: number;
  /** Grafana's max data points (panel width in pixels). Default 1000. */
  maxDataPoints?: number;
  /** Template variable selections by name. */
  variables?: Readonly<Record<string, VariableValue>>;
}

/** Every ClickHouse query of the dashboard: panel targets (rows included) and query variables. */
export function dashboardQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const visit = (panel: GrafanaPanel): void => {
    for (const target of panel.targets ?? []) {
      const ds = target.datasource ?? panel.datasource ?? undefined;
      if (ds?.type !== CLICKHOUSE_DATASOURCE_TYPE || target.rawSql === undefined) continue;
      out.push({
        dashboardUid: dashboard.uid,
        title: panel.title,
        panelId: panel.id,
        panelType: panel.type,
        refId: target.refId,
        datasourceUid: ds.uid,
        rawSql: target.rawSql,
        minIntervalMs: panel.interval ? parseGrafanaDuration(panel.interval) : undefined,
      });
    }
    for (const child of panel.panels ?? []) visit(child);
  };
  for (const panel of dashboard.panels) visit(panel);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query' || variable.datasource?.type !== CLICKHOUSE_DATASOURCE_TYPE) continue;
    const q = variable.query;
    const rawSql = typeof q === 'string' ? q : (q as { rawSql?: unknown } | undefined)?.rawSql;
    if (typeof rawSql !== 'string') continue;
    out.push({
      dashboardUid: dashboard.uid,
      title: `$${variable.name}`,
      panelId: undefined,
      panelType: 'variable',
      refId: `${variable.name}-variable`,
      datasourceUid: variable.datasource.uid,
      rawSql,
      minIntervalMs: undefined,
    });
  }
  return out;
}

/**
 * Expands a panel's SQL into plain ClickHouse SQL for the given time range and selections.
 * Throws on a macro the plugin does not know, a wrong argument count, or a `$variable` that is
 * neither a template variable nor a Grafana built-in: in Grafana those reach ClickHouse as-is
 * and fail there.
 */
export function expandPanelSql(rawSql: string, options: ExpandOptions): string {
  const variables = options.variables ?? {};
  const intervalMs = options.intervalMs ?? autoIntervalMs(options);
  let sql = applyConditionalAll(rawSql, variables);
  sql = interpolateVariables(sql, variables, options, intervalMs);
  return expandMacros(sql, options, intervalMs);
}

/** Grafana's interval: range / max data points rounded to a "nice" step, not below the panel's minimum. */
function autoIntervalMs(options: ExpandOptions): number {
  const raw = (options.toMs - options.fromMs) / (options.maxDataPoints ?? 1000);
  return Math.max(roundInterval(raw), options.minIntervalMs ?? 1000);
}

// Grafana's rangeutil.roundInterval: the first step whose upper bound is above the raw interval.
const INTERVAL_STEPS: ReadonlyArray<readonly [number, number]> = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000],
  [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000], [210_000, 120_000],
  [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000], [2_700_000, 1_800_000],
  [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000], [32_400_000, 21_600_000],
  [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000], [3_628_800_000, 2_592_000_000],
];

function roundInterval(ms: number): number {
  return INTERVAL_STEPS.find(([below]) => ms < below)?.[1] ?? 31_536_000_000;
}

/** `30s`, `1m`, `2h`, `1d` → ms (the units Grafana's interval fields accept). */
export function parseGrafanaDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new Error(`not a Grafana duration: '${text}' (expected e.g. 30s, 1m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

// The plugin replaces `$__conditionalAll(cond, $var)` by `1=1` when $var is "All" (or empty),
// else by `cond`, innermost-last like its applyConditionalAll.
function applyConditionalAll(sql: string, variables: Readonly<Record<string, VariableValue>>): string {
  const macro = '$__conditionalAll(';
  let at = sql.lastIndexOf(macro);
  while (at !== -1) {
    const call = macroCall(sql, at + macro.length - 1);
    if (call.args.length !== 2) throw new Error(`$__conditionalAll expects 2 arguments (condition, $variable), got ${call.args.length}`);
    const [condition, variableArg] = call.args as [string, string];
    const name = /^\$\{?(\w+)\}?$/.exec(variableArg.trim())?.[1];
    if (name === undefined) throw new Error(`$__conditionalAll: second argument must be a $variable, got '${variableArg.trim()}'`);
    const value = variables[name];
    if (value === undefined) throw new Error(`$__conditionalAll: no value given for variable '${name}'`);
    const all = typeof value === 'object' && 'all' in value;
    const empty = value === '' || (Array.isArray(value) && value.length === 0);
    // String.replace with a string pattern, as the plugin does: the first occurrence of the same
    // text, and `$&`, `$'`, `$$`… in the condition act as replacement patterns there too.
    sql = sql.replace(`${macro}${condition},${variableArg})`, all || empty ? '1=1' : condition);
    at = sql.lastIndexOf(macro);
  }
  return sql;
}

// Grafana's template variable syntax: $name, [[name]] / [[name:fmt]], ${name} / ${name:fmt}.
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

function interpolateVariables(sql: string, variables: Readonly<Record<string, VariableValue>>, options: ExpandOptions, intervalMs: number): string {
  const builtins: Record<string, string> = {
    __interval: formatGrafanaInterval(intervalMs),
    __interval_ms: String(intervalMs),
    __from: String(options.fromMs),
    __to: String(options.toMs),
    __range: formatGrafanaInterval(options.toMs - options.fromMs),
    __range_s: String(Math.round((options.toMs - options.fromMs) / 1000)),
    __range_ms: String(options.toMs - options.fromMs),
  };
  return sql.replace(VARIABLE_RE, (match, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, bracedFormat?: string) => {
    const name = (plain ?? bracket ?? braced)!;
    const format = bracketFormat ?? bracedFormat;
    if (name.startsWith('__') && !(name in builtins)) {
      // A backend macro ($__timeFilter, $__interval_s, …): the frontend leaves it alone.
      if (format !== undefined) throw new Error(`unknown Grafana variable '${match}'`);
      return match;
    }
    if (name in builtins) return builtins[name]!;
    const value = variables[name];
    if (value === undefined) throw new Error(`no value given for template variable '${name}' (in '${match}')`);
    return formatVariable(value, format, name);
  });
}

// The plugin's default format quotes arrays ('a','b') and leaves a single value raw; the
// explicit formats follow Grafana's formatRegistry (@grafana/scenes, which Grafana 11's
// templateSrv uses for every dashboard). sqlstring only doubles `'`: ClickHouse also reads `\'`
// as an escaped quote, so a value ending in a backslash breaks out of the literal. The panels
// therefore use percentencode and queryparam, whose output has no quote and no backslash.
function formatVariable(value: VariableValue, format: string | undefined, name: string): string {
  const selected = typeof value === 'string' ? value : 'all' in value ? value.all : value;
  const list = typeof selected === 'string' ? [selected] : selected;
  switch (format) {
    case undefined:
      return typeof selected === 'string' ? selected : `'${selected.join("','")}'`;
    case 'sqlstring':
      return list.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'singlequote':
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'csv':
      return list.join(',');
    case 'raw':
      return list.join(',');
    case 'percentencode':
      // Like glob ({a,b}), then percent-encoded as a whole.
      return encodeURIComponentStrict(typeof selected === 'string' ? selected : `{${selected.join(',')}}`);
    case 'queryparam':
      return queryParam(name, value);
    default:
      throw new Error(`unsupported format '${format}' for variable '${name}'`);
  }
}

/** Grafana's encodeURIComponentStrict: RFC 3986, so `!'()*` are encoded too. */
function encodeURIComponentStrict(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// A dashboard variable has URL sync, so Grafana's queryparam format is the variable's URL state
// (`var-name=a&var-name=b`) through urlUtil.toUrlParams, which encodes each value like AngularJS
// did: encodeURIComponent, then `@ : $ , ;` left readable and `!'()*` encoded. "All" is the
// state `$__all`, not the list of options.
function queryParam(name: string, value: VariableValue): string {
  const values = typeof value === 'string' ? [value] : 'all' in value ? ['$__all'] : value;
  return values.map((v) => `${encodeAsAngularJs(`var-${name}`)}=${encodeAsAngularJs(v)}`).join('&');
}

function encodeAsAngularJs(text: string): string {
  return encodeURIComponent(text)
    .replace(/%40/gi, '@')
    .replace(/%3A/gi, ':')
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%3B/gi, ';')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function formatGrafanaInterval(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

// The ClickHouse plugin's backend macros (pkg/macros/macros.go), with the same output.
function expandMacros(sql: string, options: ExpandOptions, intervalMs: number): string {
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  const dateTime = (ms: number): string => `toDateTime(${seconds(ms)})`;
  const dateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;
  const date = (ms: number): string => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
  const intervalSeconds = Math.max(Math.floor(intervalMs / 1000), 1);
  const { fromMs: from, toMs: to } = options;
  const macros: Record<string, { arity: number; expand: (args: string[]) => string }> = {
    fromTime: { arity: 0, expand: () => dateTime(from) },
    toTime: { arity: 0, expand: () => dateTime(to) },
    fromTime_ms: { arity: 0, expand: () => dateTime64(from) },
    toTime_ms: { arity: 0, expand: () => dateTime64(to) },
    timeFilter: { arity: 1, expand: ([c]) => `${c} >= ${dateTime(from)} AND ${c} <= ${dateTime(to)}` },
    timeFilter_ms: { arity: 1, expand: ([c]) => `${c} >= ${dateTime64(from)} AND ${c} <= ${dateTime64(to)}` },
    dateFilter: { arity: 1, expand: ([c]) => `${c} >= ${date(from)} AND ${c} <= ${date(to)}` },
    dateTimeFilter: {
      arity: 2,
      expand: ([d, t]) => `(${d} >= ${date(from)} AND ${d} <= ${date(to)}) AND (${t} >= ${dateTime(from)} AND ${t} <= ${dateTime(to)})`,
    },
    timeInterval: { arity: 1, expand: ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalSeconds} second)` },
    timeInterval_ms: { arity: 1, expand: ([c]) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.max(Math.trunc(intervalMs), 1)} millisecond)` },
    interval_s: { arity: 0, expand: () => String(intervalSeconds) },
  };
  macros['dt'] = macros['dateTimeFilter']!;

  let out = '';
  let rest = sql;
  for (;;) {
    const m = /\$__(\w+)/.exec(rest);
    if (!m) return out + rest;
    const name = m[1]!;
    const macro = macros[name];
    if (!macro) throw new Error(`unknown macro '$__${name}' (the ClickHouse plugin knows: ${Object.keys(macros).map((k) => `$__${k}`).join(', ')})`);
    const afterName = m.index + m[0].length;
    let args: string[] = [];
    let end = afterName;
    if (rest[afterName] === '(') {
      const call = macroCall(rest, afterName);
      args = call.args.map((a) => a.trim()).filter((a, i, all) => !(all.length === 1 && a === ''));
      end = call.end;
    }
    if (args.length !== macro.arity) throw new Error(`macro '$__${name}' expects ${macro.arity} argument(s), got ${args.length}`);
    out += rest.slice(0, m.index) + macro.expand(args);
    rest = rest.slice(end);
  }
}

// Arguments of a call whose '(' is at `open`, split on top-level commas; `end` is past ')'.
function macroCall(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args, end: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced parentheses after position ${open} in: ${sql.slice(Math.max(0, open - 40), open + 40)}`);
}
