/** Levenshtein distance, for "did you mean" hints in error messages. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

/** The candidate nearest to `value`, if it is near enough to be a plausible typo. */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.includes(value) || value.includes(candidate) ? 1 : editDistance(value, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(value.length / 2)) ? best : undefined;
}

/**
 * Control, format (bidi overrides, zero-width), surrogate and private-use characters, and line or
 * paragraph separators: terminals, Slack and log viewers act on them, so nothing stored holds one.
 */
export const UNSAFE_CHAR = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

/** Whether `text` holds a character that must never be stored (see UNSAFE_CHAR). */
export function hasUnsafeChar(text: string): boolean {
  return UNSAFE_CHAR.test(text);
}
