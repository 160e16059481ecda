/**
 * Text from spans (vendor, service, route, field and host names, and summaries built from them)
 * is chosen by whoever can reach the collector. Before it is shown to a person — in a terminal,
 * a chat message or a page — characters that act instead of being seen are made visible.
 */

/**
 * What acts instead of showing: C0 and C1 controls and DEL (`Cc`: ESC starts terminal sequences,
 * U+009B is a one-character CSI), format characters (`Cf`: bidi embeddings, overrides and isolates
 * U+202A–U+202E / U+2066–U+2069 that make `gpj.exe` read as `exe.jpg`, zero-width characters that
 * make two names look alike, tag characters that carry hidden text), line/paragraph separators,
 * lone surrogates (not text; writers replace them with U+FFFD, hiding the difference) and
 * private-use characters (fonts draw what they like there). The same classes as UNSAFE_CHAR in
 * common/text.ts: that one refuses them at ingestion, this one covers whatever got stored anyway.
 */
const ACTING = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/gu;

/**
 * Same set minus C0 and lone surrogates, which JSON.stringify already escapes inside strings
 * (and the layout's own newlines must stay).
 */
const ACTING_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Co}]/gu;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every acting character written as a JavaScript-style escape: ESC → `\x1b`,
 * U+202E → `\u202e`, newline → `\n`. A backslash is left as it is, so ordinary routes and
 * Windows-style names read unchanged and applying this twice changes nothing; the price is that
 * a name that literally contains the four characters `\x1b` looks like one that held an ESC.
 */
export function visibleText(text: string): string {
  return text.replace(ACTING, escapeChar);
}

/**
 * Template tag that applies {@link visibleText} to every substituted value and keeps the
 * literal parts (which are ours, newlines included): `` visible`${vendor}  ${calls} calls` ``.
 */
export function visible(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += visibleText(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

/**
 * JSON for a terminal: `JSON.stringify` escapes C0 controls but writes DEL, C1 controls and
 * bidi/format characters raw, and a terminal acts on them. They can only occur inside JSON
 * strings, so writing them as `\uXXXX` keeps the document valid and the parsed value identical.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(ACTING_IN_JSON, (char) =>
    // Astral format characters (tags, U+E0001…) become their two surrogate escapes, as JSON requires.
    Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
