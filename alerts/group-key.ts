/*
 * Alertmanager's group key, `{}:{kind="volume_spike",vendor="stripe"}`: the route (`{}`, the
 * root) and the group labels sorted by name, each value quoted like Go's %q
 * (`LabelSet.String()` uses strconv.Quote). Label values are vendor names from spans, so the
 * quoting must make the key unambiguous: two different label sets never give the same key.
 */

/** Characters Go's strconv.Quote keeps as they are (unicode.IsPrint: L, M, N, P, S and ASCII space), minus `"` and `\`. */
const GO_PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

const GO_NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Prometheus label names need no quoting; anything else is quoted too, so it cannot forge `,`/`=`. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * `value` as Go's strconv.Quote writes it: `"` and `\` escaped, `\n` style escapes for the named
 * controls, `\xNN` for other ASCII controls, `\uNNNN` / `\UNNNNNNNN` for non-printable code points.
 * A lone surrogate (impossible in Go, which has UTF-8 strings) is written as its `\uDXXX` code unit.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const named = GO_NAMED[char];
    if (named) out += named;
    else if (GO_PRINTABLE.test(char)) out += char;
    else {
      const code = char.codePointAt(0) ?? 0;
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** `{}:{name="value",…}` for the given group labels, sorted by name (Alertmanager's order). */
export function alertmanagerGroupKey(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((name) => `${LABEL_NAME.test(name) ? name : goQuote(name)}=${goQuote(labels[name] ?? '')}`);
  return `{}:{${pairs.join(',')}}`;
}
