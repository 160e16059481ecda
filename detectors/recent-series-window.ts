import type { MinuteRollup } from '../common/types.js';
import type { SeriesBaseline, TrafficSeries } from '../common/history.js';
import type { RecentHourRow } from '../storage/detection-queries.js';

const MINUTE_MS = 60_000;
/**
 * Minutes read again every cycle although read before: spans that arrive after `lag_seconds`
 * still count if they are at most this late. Older minutes are taken as final.
 */
export const REREAD_MINUTES = 5;

type Hours = TrafficSeries['recentHours'];

/** One held series: what the detectors get, plus which of its minutes had a row. */
interface Held extends TrafficSeries {
  /** 1 where the store had a row for the minute (the series' first minute is the first of them). */
  present: Uint8Array;
  /** The baseline of a series without one in the cache; its firstMinute moves with its rows. */
  own: SeriesBaseline | undefined;
}

/** Which minutes of a window [from, to) a cycle must read, and against what it will apply them. */
export interface WindowRead {
  from: number;
  to: number;
  /** Start of what must be read: `from` when nothing is held, else the last REREAD_MINUTES. */
  readFrom: number;
  /** The state this read was planned against (a concurrent cycle of the same scope moves it). */
  version: number;
}

/** The inputs of one assembly besides the fresh minute rows. */
export interface WindowInputs {
  /** Complete hours before the recent minutes; the same array all hour long (cached per hour). */
  recentHours: readonly RecentHourRow[];
  baselines: ReadonlyMap<string, SeriesBaseline>;
}

function emptyMinute(minute: number, vendor: string, service: string): MinuteRollup {
  return { minute, vendor, service, calls: 0, errors: 0, requestBytes: 0, responseBytes: 0, latencyP95Ms: Number.NaN };
}

function clear(m: MinuteRollup, minute: number): void {
  m.minute = minute;
  m.calls = 0;
  m.errors = 0;
  m.requestBytes = 0;
  m.responseBytes = 0;
  m.latencyP95Ms = Number.NaN;
}

/**
 * The recent minutes of every series of one scope, kept from cycle to cycle: a cycle a minute after
 * the last one reads the minutes that closed since plus the last REREAD_MINUTES again, shifts every
 * series by a minute (recycling the minute objects that fall out) and adds the fresh rows. It gives
 * the same series as series-assembly.ts's `assembleSeries` over the whole window (a unit test
 * compares them); building 75 minute objects per series per cycle afresh was the cycle's largest
 * allocation (765,000 objects for 10,000 series) and most of its series-assembly time.
 *
 * The series it returns are its own and change on the next cycle: detectors read them and keep
 * nothing (a cycle's detection is synchronous).
 */
export class RecentSeriesWindow {
  private from = 0;
  private to = 0;
  private version = 0;
  private readonly series = new Map<string, Map<string, Held>>();
  private hoursFrom: readonly RecentHourRow[] | undefined;
  private hours = new Map<string, Map<string, Hours>>();

  /** What a cycle over [from, to) must read; `whole` reads it all whatever is held. */
  plan(from: number, to: number, whole = false): WindowRead {
    const count = Math.round((to - from) / MINUTE_MS);
    // Only a window of the same length moving forwards over what is held can reuse it.
    const reuse = !whole && this.version > 0 && Math.round((this.to - this.from) / MINUTE_MS) === count && this.from <= from && this.to <= to && this.to > from;
    return { from, to, readFrom: reuse ? Math.max(from, this.to - REREAD_MINUTES * MINUTE_MS) : from, version: this.version };
  }

  /**
   * Applies the rows of [read.readFrom, read.to) and returns one series per (vendor, service) and
   * per vendor (service ''): those with a baseline, in the baselines' order, then those with rows.
   * Returns undefined when another cycle of this scope moved the window since `plan` (read it all).
   */
  apply(read: WindowRead, rows: readonly MinuteRollup[], inputs: WindowInputs): TrafficSeries[] | undefined {
    if (read.version !== this.version) return undefined;
    const count = Math.round((read.to - read.from) / MINUTE_MS);
    if (read.readFrom === read.from) this.series.clear();
    else this.shift(read.from, read.readFrom, count);
    this.from = read.from;
    this.to = read.to;
    this.version++;
    for (const m of rows) {
      const i = Math.round((m.minute - read.from) / MINUTE_MS);
      if (i < 0 || i >= count) continue;
      for (const s of [this.held(m.vendor, m.service, count), this.held(m.vendor, '', count)]) {
        const slot = s.minutes[i]!;
        slot.calls += m.calls;
        slot.errors += m.errors;
        slot.requestBytes += m.requestBytes;
        slot.responseBytes += m.responseBytes;
        if (s.service !== '') slot.latencyP95Ms = m.latencyP95Ms;
        s.present[i] = 1;
      }
    }
    return this.collect(inputs, count);
  }

  /** Moves every series to start at `from`, with the minutes from `readFrom` on cleared for the fresh rows. */
  private shift(from: number, readFrom: number, count: number): void {
    const by = Math.round((from - this.from) / MINUTE_MS);
    const keep = Math.round((readFrom - from) / MINUTE_MS);
    for (const services of this.series.values()) {
      for (const s of services.values()) {
        if (by > 0) {
          s.minutes.push(...s.minutes.splice(0, by));
          s.present.copyWithin(0, by);
        }
        for (let i = keep; i < count; i++) {
          clear(s.minutes[i]!, from + i * MINUTE_MS);
          s.present[i] = 0;
        }
      }
    }
  }

  private held(vendor: string, service: string, count: number): Held {
    let services = this.series.get(vendor);
    if (!services) this.series.set(vendor, (services = new Map()));
    let s = services.get(service);
    if (!s) {
      const minutes = Array.from({ length: count }, (_, i) => emptyMinute(this.from + i * MINUTE_MS, vendor, service));
      s = { vendor, service, minutes, recentHours: [], baseline: undefined as unknown as SeriesBaseline, present: new Uint8Array(count), own: undefined };
      services.set(service, s);
    }
    return s;
  }

  private collect(inputs: WindowInputs, count: number): TrafficSeries[] {
    if (this.hoursFrom !== inputs.recentHours) {
      this.hours = hoursBySeries(inputs.recentHours);
      this.hoursFrom = inputs.recentHours;
    }
    const out: TrafficSeries[] = [];
    const taken = new Set<Held>();
    for (const [k, cached] of inputs.baselines) {
      const cut = k.indexOf('\u0000');
      const s = this.held(k.slice(0, cut), k.slice(cut + 1), count);
      const first = s.present.indexOf(1);
      const firstRow = first < 0 ? Number.POSITIVE_INFINITY : this.from + first * MINUTE_MS;
      // The cached baseline is shared between cycles: copied only where a row moves firstMinute (it ends before the window, so never in practice).
      s.baseline = firstRow < cached.firstMinute ? { ...cached, firstMinute: firstRow } : (cached as SeriesBaseline);
      s.own = undefined;
      taken.add(s);
      out.push(this.finish(s));
    }
    for (const [vendor, services] of this.series) {
      for (const [service, s] of services) {
        if (taken.has(s)) continue;
        const first = s.present.indexOf(1);
        if (first < 0) {
          // Neither a baseline nor a row in the window any more.
          services.delete(service);
          continue;
        }
        // Its history so far is the recent complete hours and the window: a series first seen
        // 3 h ago has its warm-up behind it, though the baselines (ending 3 h before the window)
        // have not seen it yet. Counting from the window alone made the 2 h warm-up last 5-6 h.
        const firstHour = this.hours.get(vendor)?.get(service)?.find((h) => h.calls > 0)?.hour;
        const firstMinute = Math.min(this.from + first * MINUTE_MS, firstHour ?? Number.POSITIVE_INFINITY);
        s.own ??= { firstMinute, hourOfWeek: new Map(), hourOfDay: new Map(), errorRatio: 0, calls: 0, latencyP95Median: Number.NaN, latencyP95Mad: Number.NaN, requestBytesPerCall: 0 };
        s.own.firstMinute = firstMinute;
        s.baseline = s.own;
        out.push(this.finish(s));
      }
      if (services.size === 0) this.series.delete(vendor);
    }
    return out;
  }

  private finish(s: Held): Held {
    s.recentHours = this.hours.get(s.vendor)?.get(s.service) ?? [];
    return s;
  }
}

/** The complete hours of every series and vendor, oldest first, as series-assembly.ts sums them. */
function hoursBySeries(rows: readonly RecentHourRow[]): Map<string, Map<string, Hours>> {
  const out = new Map<string, Map<string, Hours>>();
  for (const h of rows) {
    let services = out.get(h.vendor);
    if (!services) out.set(h.vendor, (services = new Map()));
    for (const service of [h.service, '']) {
      let list = services.get(service);
      if (!list) services.set(service, (list = []));
      const prev = list.find((x) => x.hour === h.hour);
      if (prev) {
        prev.calls += h.calls;
        prev.errors = (prev.errors ?? 0) + h.errors;
        prev.requestBytes += h.requestBytes;
        prev.responseBytes += h.responseBytes;
      } else list.push({ hour: h.hour, calls: h.calls, errors: h.errors, requestBytes: h.requestBytes, responseBytes: h.responseBytes });
    }
  }
  for (const services of out.values()) for (const list of services.values()) list.sort((a, b) => a.hour - b.hour);
  return out;
}
