/**
 * Numbers as alerts show them, in one place: detectors write summaries with these, store the
 * rounded figure as the alert's value/expected, and alerts/message-text.ts renders value/expected
 * with the same functions, so Slack, PagerDuty, the webhook and the console show the same numbers.
 * Rounded to what a person acts on: 4.47 expected calls is "4.5", 11,325 bytes "11.3 kB", a ratio
 * of 15.38 "15×".
 */

/** 2 significant digits below 10, whole numbers up to 10,000, 3 significant digits beyond. */
export function roundFigure(n: number): number {
  if (!Number.isFinite(n) || n === 0) return n;
  const a = Math.abs(n);
  if (a < 10) return Number(n.toPrecision(2));
  if (a < 10_000) return Math.round(n);
  return Number(n.toPrecision(3));
}

/** `1,240`, `4.5`, `11.3k`, `1.13M`: a rounded figure with grouping or a k/M/G suffix. */
export function formatFigure(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const r = roundFigure(n);
  const a = Math.abs(r);
  if (a >= 1e9) return `${Number((r / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((r / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((r / 1e3).toPrecision(3))}k`;
  return r.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

const BYTE_UNITS = [
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'kB'],
] as const;

/** The number of bytes `formatBytes` shows: 3 significant digits from 1 kB up, whole bytes below. */
export function roundBytes(n: number): number {
  if (!Number.isFinite(n)) return n;
  return Math.abs(n) < 1000 ? Math.round(n) : Number(n.toPrecision(3));
}

/** `900 B`, `11.3 kB`, `4.2 MB` (decimal units). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const r = roundBytes(n);
  for (const [size, unit] of BYTE_UNITS) if (Math.abs(r) >= size) return `${Number((r / size).toPrecision(3))} ${unit}`;
  return `${r} B`;
}

/** A ratio as `8.0×`, `15×`, `1,200×`. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return String(r);
  return r < 10 ? `${r.toFixed(1)}×` : `${Math.round(r).toLocaleString('en-US')}×`;
}

/** The share `formatPercent` shows: whole percents from 10%, 0.1 points from 1%, 2 significant digits below. */
export function roundShare(p: number): number {
  if (!Number.isFinite(p) || p <= 0) return p;
  if (p >= 0.1) return Math.round(p * 100) / 100;
  if (p >= 0.01) return Math.round(p * 1000) / 1000;
  return Number(p.toPrecision(2));
}

/** `50%`, `1.2%`, `0.05%`. */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  const r = roundShare(p);
  const pct = r * 100;
  if (r >= 0.1) return `${Math.round(pct)}%`;
  if (r >= 0.01) return `${pct.toFixed(1)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

/** Milliseconds as shown: whole from 10 ms, one decimal below, 3 significant digits from 10 s. */
export function roundMs(ms: number): number {
  if (!Number.isFinite(ms)) return ms;
  if (ms >= 10_000) return Number(ms.toPrecision(3));
  return ms >= 10 ? Math.round(ms) : Math.round(ms * 10) / 10;
}

/** `900 ms`, `4.5 ms`, `12.3 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const r = roundMs(ms);
  return r >= 10_000 ? `${Number((r / 1000).toPrecision(3))} s` : `${r.toLocaleString('en-US')} ms`;
}

/** `the last minute`, `the last 15 min`. */
export function windowText(minutes: number): string {
  return minutes <= 1 ? 'the last minute' : `the last ${minutes} min`;
}
