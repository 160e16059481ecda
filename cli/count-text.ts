/**
 * `1 call`, `2 calls`, `0 calls`: counts in CLI text agree with their noun. English only; the
 * plural is the singular plus `s` unless given (`countOf(n, 'PII flow')`, `countOf(n, 'entry', 'entries')`).
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
