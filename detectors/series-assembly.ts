import type { SeriesBaseline, SlotStats } from '../common/history.js';
import type { SeriesTotals, SlotRow } from '../storage/detection-queries.js';
import { hourOfWeek } from './seasonal-baseline.js';

/**
 * What evaluate-step.ts makes of its baseline reads: one baseline per series from the cached slot
 * and total reads. Pure: the reads come in as values. The series themselves are kept from cycle
 * to cycle by recent-series-window.ts.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function key(vendor: string, service: string): string {
  return `${vendor}\u0000${service}`;
}

/** Minutes of an hour-of-week / hour-of-day slot between a series' first minute and the baseline end. */
function slotMinutes(firstMinute: number, historyFrom: number, baselineEnd: number, dow: number, hour: number): number {
  const from = Math.max(firstMinute, historyFrom);
  let minutes = 0;
  for (let day = Math.floor(from / (24 * HOUR_MS)) * 24 * HOUR_MS; day < baselineEnd; day += 24 * HOUR_MS) {
    const h = day + hour * HOUR_MS;
    if (h + HOUR_MS <= from || h >= baselineEnd) continue;
    if (dow !== 0 && Math.floor(hourOfWeek(h) / 24) + 1 !== dow) continue;
    // Partial hours at either end count their minutes only.
    minutes += Math.round((Math.min(h + HOUR_MS, baselineEnd) - Math.max(h, from)) / MINUTE_MS);
  }
  return minutes;
}

/**
 * Where the history of the hour-of-day slot `hour` ends at `baselineEnd`: when that hour last
 * ended. A slot is read once per day (cached under this end), so what it holds must not depend
 * on when it was first asked for: it did (a slot first read just before its hour ended lacked the
 * latest day), and a replay's result depended on where it started — the same minute with a
 * bytes_spike or without, by `--from`. Its minutes are counted over the same span.
 */
export function slotEnd(baselineEnd: number, hour: number): number {
  return Math.floor((baselineEnd - (hour + 1) * HOUR_MS) / DAY_MS) * DAY_MS + (hour + 1) * HOUR_MS;
}

function buildBaseline(totals: SeriesTotals, slots: readonly SlotRow[], historyFrom: number, baselineEnd: number): SeriesBaseline {
  const hourOfWeekSlots = new Map<number, SlotStats>();
  const hourOfDaySlots = new Map<number, SlotStats>();
  for (const s of slots) {
    const end = slotEnd(baselineEnd, s.hour);
    const minutes = slotMinutes(totals.firstMinute, end - (baselineEnd - historyFrom), end, s.dow, s.hour);
    const stats: SlotStats = { ...s.stats, minutes: Math.max(minutes, s.stats.active) };
    if (s.dow === 0) hourOfDaySlots.set(s.hour, stats);
    else hourOfWeekSlots.set((s.dow - 1) * 24 + s.hour, stats);
  }
  return {
    firstMinute: totals.firstMinute,
    hourOfWeek: hourOfWeekSlots,
    hourOfDay: hourOfDaySlots,
    errorRatio: totals.calls > 0 ? totals.errors / totals.calls : 0,
    calls: totals.calls,
    latencyP95Median: totals.latencyP95Median,
    latencyP95Mad: totals.latencyP95Mad,
    requestBytesPerCall: totals.calls > 0 ? totals.requestBytes / totals.calls : 0,
  };
}


/** One baseline per (vendor, service) and per vendor, from the cached slot and total reads. */
export function buildBaselines(slots: readonly SlotRow[], totals: readonly SeriesTotals[], historyFrom: number, baselineEnd: number): Map<string, SeriesBaseline> {
  const slotsByKey = new Map<string, SlotRow[]>();
  for (const s of slots) {
    const k = key(s.vendor, s.service);
    const list = slotsByKey.get(k);
    if (list) list.push(s);
    else slotsByKey.set(k, [s]);
  }
  const out = new Map<string, SeriesBaseline>();
  for (const t of totals) out.set(key(t.vendor, t.service), buildBaseline(t, slotsByKey.get(key(t.vendor, t.service)) ?? [], historyFrom, baselineEnd));
  return out;
}
