import { ConfigError } from './errors.js';
import { closest } from './text.js';

/** One label matcher, Alertmanager style: `name=value`, `name!=value`, `name=~regex`, `name!~regex`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/**
 * The labels an alert carries (alerts/lifecycle.ts `toAlert`; `source` = `replay` on alerts that a
 * `detect --record/--notify` replay raised): the names a silence or a route can match on. A
 * matcher on any other name compares with '' and would silently never match. Here, beside the
 * config schema, so that a route's matchers are checked when the config loads.
 */
export const ALERT_LABELS = ['alertname', 'kind', 'vendor', 'service', 'severity', 'route', 'field', 'source'] as const;

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses `vendor=stripe`-style text; a ConfigError says what is wrong and shows the forms. */
export function parseMatcher(text: string): LabelMatcher {
  const m = MATCHER.exec(text);
  if (!m) throw new ConfigError(`matcher '${text}': expected name=value, name!=value, name=~regex or name!~regex (e.g. vendor=stripe, kind=~volume_.*)`);
  let value = m[3]!;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  const matcher: LabelMatcher = { name: m[1]!, op: m[2] as LabelMatcher['op'], value };
  if (matcher.op === '=~' || matcher.op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new ConfigError(`matcher '${text}': invalid regular expression: ${(err as Error).message}`);
    }
  }
  return matcher;
}

/**
 * A ConfigError for a matcher on a label no alert has (`vendr=stripe`), with the nearest label;
 * undefined when the label is one of ALERT_LABELS.
 */
export function unknownLabelError(text: string, matcher: LabelMatcher): ConfigError | undefined {
  if ((ALERT_LABELS as readonly string[]).includes(matcher.name)) return undefined;
  const hint = closest(matcher.name, ALERT_LABELS);
  return new ConfigError(`matcher '${text}': alerts have no label '${matcher.name}'${hint ? ` — did you mean '${hint}'?` : ''} (labels: ${ALERT_LABELS.join(', ')})`);
}

/** Whether one matcher holds for a label set; a missing label counts as ''. Regexes are anchored. */
export function matcherHolds(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return new RegExp(`^(?:${matcher.value})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${matcher.value})$`).test(actual);
  }
}

/** Whether all matchers hold (an empty list matches everything). */
export function allMatch(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matcherHolds(m, labels));
}

/** `vendor=stripe` back to text. */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.op}${m.value}`;
}
