const BACKSLASH = 92;

/**
 * Index of the quote that closes the JSON string whose contents start at `start`, or -1 when the
 * text ends first (a body cut at the capture bound).
 */
export function jsonStringEnd(text: string, start: number): number {
  let from = start;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return -1;
    if (text.charCodeAt(quote - 1) !== BACKSLASH) return quote;
    // The quote is escaped only when an odd run of backslashes precedes it (`\"` vs `\\"`).
    let run = 1;
    while (quote - run - 1 >= start && text.charCodeAt(quote - run - 1) === BACKSLASH) run++;
    if (run % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** Whether `text[start, end)` holds a raw control character, which no JSON string may (such contents do not decode). */
export function hasControlCharacter(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * The value of the JSON string whose contents are `text[start, end)`, escapes decoded; `end` is
 * the closing quote or, for a string cut at the end of the text, the text's length (decoded up to
 * the last complete escape). Undefined when the contents are not valid JSON string text.
 *
 * The result is always a new string: V8 represents a slice as a view that keeps the whole body
 * alive, and strings handed on may be memoised (field names, phone numbers), so no slice of a body
 * may outlive the call.
 */
export function jsonStringAt(text: string, start: number, end: number): string | undefined {
  if (end < text.length) return parseLiteral(text.slice(start - 1, end + 1));
  // A cut can fall inside an escape (`\`, `\u00`), at most five characters long: drop its start.
  const open = text.slice(start - 1, end);
  for (let drop = 0; drop <= 5 && drop <= end - start; drop++) {
    const value = parseLiteral(`${open.slice(0, open.length - drop)}"`);
    if (value !== undefined) return value;
  }
  return undefined;
}

function parseLiteral(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

/**
 * Whether `text[start, end)` is `key`. Keys are short, and a loop the JIT inlines beats a
 * `startsWith` builtin call at an offset, which is the commonest step of a scan.
 */
export function sameKey(key: string, text: string, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
