import type { Config } from '../common/config/index.js';
import type { Finding } from '../common/types.js';
import {
  readDestinations,
  readFieldMap,
  readRecentHours,
  readRecentMinutes,
  readRouteMinutes,
  readSeasonSlots,
  readSeriesTotals,
  type RouteMinute,
} from '../storage/detection-queries.js';
import type { Store } from '../storage/store.js';
import { detectBudgetHits } from './budget-detector.js';
import { detectNewDestinations } from './destination-detector.js';
import type { Destination, SeriesBaseline, TrafficSeries } from '../common/history.js';
import { detectPii, unallowedPiiByDestination } from './pii-detector.js';
import { detectSchemaDrift, type Window } from './schema-detector.js';
import { hourOfDay } from './seasonal-baseline.js';
import { buildBaselines, slotEnd } from './series-assembly.js';
import { MinuteWindowCache } from './minute-window-cache.js';
import { RecentSeriesWindow } from './recent-series-window.js';
import { destinationsSince, mergeDestinations } from './fresh-destinations.js';
import { budgetRouteHits, routeActivity } from './route-activity.js';
import { detectTraffic } from './traffic-detector.js';
import { sustainedDrop } from './drop-sustain.js';
import { isolatePerVendor, reportVendorFailure } from './vendor-isolation.js';

const MINUTE_MS = 60_000;
/** Baselines kept by a DetectionCache (about seven per vendor). */
const MAX_CACHE_ENTRIES = 20_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Complete hours before the recent minutes that set the recent level. */
const LEVEL_HOURS = 3;

/** What one detection cycle evaluates. */
export interface EvaluateStepOptions {
  /** The tick time, epoch ms. Minutes that closed at least `lag_seconds` before it are evaluated. */
  stepEnd: number;
  /** Only these vendors (a per-vendor job); all when absent. */
  vendors?: readonly string[];
  /** Filled with where the cycle's time went, when given (bench:detect). */
  timings?: StepTimings;
}

/** Milliseconds of one cycle by stage. */
export interface StepTimings {
  /** Every read, awaited together (baselines from the cache or the store). */
  readsMs: number;
  /** Joining the reads into series (series-assembly.ts). */
  assemblyMs: number;
  /** Traffic detectors and drop sustains over every series. */
  trafficMs: number;
  /** Schema, PII, budget and destination detectors. */
  otherMs: number;
}

/** The parts of the configuration detection reads; without `pii` the default tiers apply. */
export type DetectionSettings = Pick<Config, 'detection' | 'vendors'> & Partial<Pick<Config, 'pii'>>;

/** Options of a DetectionCache. */
export interface DetectionCacheOptions {
  /**
   * When the hour turns, keep serving the previous hour's baselines while the new ones load in the
   * background, so no cycle waits for a 28-day scan. Default false: every cycle sees exactly the
   * baselines of its own hour (replay, tests).
   */
  refreshInBackground?: boolean;
}

/**
 * Baselines change once an hour (they end where the recent hours begin), so a worker keeps them
 * between cycles. One cache per process and store; a fresh one is always correct, only slower.
 */
export class DetectionCache {
  private readonly entries = new Map<string, unknown>();
  private readonly latest = new Map<string, unknown>();
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(private readonly options: DetectionCacheOptions = {}) {}

  /** The value already loaded under `family` and `key`, if any. */
  peek<T>(family: string, key: string): T | undefined {
    return this.entries.get(`${family}|${key}`) as T | undefined;
  }

  /** The value under `key`; `family` names what it replaces (the same read for an earlier hour). */
  async get<T>(family: string, key: string, load: () => Promise<T>): Promise<T> {
    const full = `${family}|${key}`;
    if (this.entries.has(full)) return this.entries.get(full) as T;
    let pending = this.loading.get(full) as Promise<T> | undefined;
    if (!pending) {
      pending = load().then((value) => {
        // Per-vendor jobs keep ~7 entries per vendor: evict the oldest instead of clearing all,
        // so thousands of vendors still hit the cache and a replay cannot grow it without bound.
        this.entries.set(full, value);
        for (const oldest of this.entries.keys()) {
          if (this.entries.size <= MAX_CACHE_ENTRIES) break;
          this.entries.delete(oldest);
        }
        this.latest.set(family, value);
        return value;
      });
      this.loading.set(full, pending);
      const forget = (): void => void this.loading.delete(full);
      pending.then(forget, forget);
    }
    if (this.options.refreshInBackground && this.latest.has(family)) {
      pending.catch(() => undefined);
      return this.latest.get(family) as T;
    }
    return pending;
  }
}

const defaultCaches = new WeakMap<Store, DetectionCache>();
const routeCaches = new WeakMap<DetectionCache, MinuteWindowCache<RouteMinute>>();
/** Per DetectionCache, the recent minutes of every series per scope (all vendors, or one job's). */
const seriesWindows = new WeakMap<DetectionCache, Map<string, RecentSeriesWindow>>();
/** Scopes whose series a DetectionCache keeps (one per per-vendor job's vendor set). */
const MAX_SERIES_SCOPES = 5_000;

/** The route minutes read incrementally alongside a DetectionCache (its lifetime, its store). */
function routeMinutes(cache: DetectionCache): MinuteWindowCache<RouteMinute> {
  let m = routeCaches.get(cache);
  if (!m) routeCaches.set(cache, (m = new MinuteWindowCache()));
  return m;
}

/** The recent series of `scope` kept alongside a DetectionCache. */
function seriesWindow(cache: DetectionCache, scope: string): RecentSeriesWindow {
  let scopes = seriesWindows.get(cache);
  if (!scopes) seriesWindows.set(cache, (scopes = new Map()));
  let w = scopes.get(scope);
  if (w) scopes.delete(scope);
  else w = new RecentSeriesWindow();
  scopes.set(scope, w);
  for (const oldest of scopes.keys()) {
    if (scopes.size <= MAX_SERIES_SCOPES) break;
    scopes.delete(oldest);
  }
  return w;
}

/** The window of closed minutes a tick at `stepEnd` evaluates: [from, to). */
export function evaluationWindow(stepEnd: number, settings: DetectionSettings): Window {
  const to = Math.floor((stepEnd - settings.detection.lag_seconds * 1000) / MINUTE_MS) * MINUTE_MS;
  const minutes = Math.max(1, Math.round(settings.detection.step_seconds / 60));
  return { from: to - minutes * MINUTE_MS, to };
}

/**
 * One detection cycle: reads what the detectors need (baselines cached per hour), runs every
 * detector and returns the findings of the evaluated window. Findings are not alerts: the alert
 * rules decide how long one must hold.
 */
export async function evaluateStep(store: Store, options: EvaluateStepOptions, settings: DetectionSettings, cache?: DetectionCache): Promise<Finding[]> {
  const c = cache ?? defaultCaches.get(store) ?? new DetectionCache();
  if (!cache && !defaultCaches.has(store)) defaultCaches.set(store, c);
  const d = settings.detection;
  const window = evaluationWindow(options.stepEnd, settings);
  const evaluate = Math.round((window.to - window.from) / MINUTE_MS);
  const recentFrom = window.to - Math.max(d.recent_minutes, evaluate) * MINUTE_MS;
  const levelTo = Math.floor(recentFrom / HOUR_MS) * HOUR_MS;
  const baselineEnd = levelTo - LEVEL_HOURS * HOUR_MS;
  // Anchored on the hour so that the cached baselines stay valid for the whole hour.
  const historyFrom = baselineEnd - d.history_days * 24 * HOUR_MS;
  const vendors = options.vendors && options.vendors.length > 0 ? [...options.vendors].sort() : undefined;
  const scope = vendors ? vendors.join(',') : '*';

  const hours = new Set<number>();
  for (let t = baselineEnd; t < window.to; t += HOUR_MS) hours.add(hourOfDay(t));
  const loadBaselines = async (): Promise<Map<string, SeriesBaseline>> => {
    const spans = [...hours].map((hour) => {
      const end = slotEnd(baselineEnd, hour);
      return { hour, from: end - (baselineEnd - historyFrom), to: end };
    });
    // Slots no cycle has read yet (the first cycle: five or six) are read in one scan, not one each.
    const missing = spans.filter((x) => c.peek(`slots|${scope}|${x.hour}`, String(x.to)) === undefined);
    const together = missing.length > 1 ? { spans: missing, rows: readSeasonSlots(store, missing, vendors) } : undefined;
    // A slot already loading elsewhere does not wait for this read; its failure is reported to those that do.
    together?.rows.catch(() => undefined);
    const [totals, ...slotLists] = await Promise.all([
      c.get(`totals|${scope}`, String(baselineEnd), () => readSeriesTotals(store, historyFrom, baselineEnd, baselineEnd - DAY_MS, vendors)),
      // Four weeks of one hour-of-day slot hardly move in a day: each slot is recomputed once a day,
      // each at a different hour, so an hourly tick scans about one slot's history instead of five.
      ...spans.map((span) =>
        c.get(`slots|${scope}|${span.hour}`, String(span.to), async () =>
          together && together.spans.includes(span) ? (await together.rows).filter((r) => r.hour === span.hour) : readSeasonSlots(store, [span], vendors),
        ),
      ),
    ]);
    return buildBaselines(slotLists.flat(), totals, historyFrom, baselineEnd);
  };
  const started = performance.now();
  // The cycle's own reads are issued first: an embedded engine runs one query at a time, and a
  // baseline refresh in the background must queue behind them, not in front.
  const recent = seriesWindow(c, scope);
  const plan = recent.plan(recentFrom, window.to);
  const routeFrom = Math.min(window.from, window.to - d.schema_removed_after_minutes * MINUTE_MS);
  const [minutes, recentHours, fields, routeRows, known, fresh, baselines] = await Promise.all([
    readRecentMinutes(store, plan.readFrom, window.to, vendors),
    // Complete hours: the same read all hour long.
    c.get(`recent-hours|${scope}`, String(levelTo), () => readRecentHours(store, baselineEnd, levelTo, vendors)),
    readFieldMap(store, vendors),
    routeMinutes(c).read(scope, routeFrom, window.to, (from, to) => readRouteMinutes(store, from, to, vendors)),
    // Never served stale: an hour missing between the cached and the fresh read would make old destinations look new.
    c.get(`destinations|${levelTo}`, '', async () => {
      // Hour by hour: last hour's set plus the hour that closed since (the first read scans the history).
      const previous = c.peek<Destination[]>(`destinations|${levelTo - HOUR_MS}`, '');
      return previous ? mergeDestinations(previous, await readDestinations(store, levelTo - HOUR_MS, levelTo)) : readDestinations(store, historyFrom, levelTo);
    }),
    destinationsSince(c, store, levelTo, window.to),
    c.get(`baselines|${scope}`, `${baselineEnd}|${[...hours].join(',')}`, loadBaselines),
  ]);
  const read = performance.now();
  const routes = routeActivity(fields, routeRows, window.to - d.schema_removed_after_minutes * MINUTE_MS, window.to);
  const budgetHits = budgetRouteHits(routeRows, window.from, window.to);
  // Another cycle of this scope moved the held window while this one read: read the window whole.
  let series = recent.apply(plan, minutes, { recentHours, baselines });
  while (!series) {
    const again = recent.plan(recentFrom, window.to, true);
    series = recent.apply(again, await readRecentMinutes(store, again.readFrom, window.to, vendors), { recentHours, baselines });
  }
  const assembled = performance.now();
  const findings: Finding[] = [];
  const serviceKinds = new Set<string>();
  // One series failing (its vendor's data trips a detector) costs that series only.
  const traffic = (s: TrafficSeries): Finding[] => {
    try {
      return detectTraffic(s, evaluate, d);
    } catch (err) {
      reportVendorFailure('traffic', s.vendor, err);
      return [];
    }
  };
  for (const s of series.filter((x) => x.service !== '')) {
    for (const f of traffic(s)) {
      findings.push(f);
      // A sustain is not news: it never keeps the vendor as a whole from speaking.
      if (!f.sustain) serviceKinds.add(`${f.vendor}\u0000${f.kind}\u0000${f.at}`);
    }
  }
  // The vendor as a whole speaks only where no single service already did (one incident, one finding).
  for (const s of series.filter((x) => x.service === '')) {
    for (const f of traffic(s)) if (f.sustain || !serviceKinds.has(`${f.vendor}\u0000${f.kind}\u0000${f.at}`)) findings.push(f);
  }
  // Not findings of their own: a volume_drop stays open while its series gets no call at all.
  for (const s of series) {
    try {
      findings.push(...sustainedDrop(s, d));
    } catch (err) {
      reportVendorFailure('traffic', s.vendor, err);
    }
  }
  const detected = performance.now();

  const own = <T extends { vendor: string }>(list: readonly T[], vendor: string): T[] => list.filter((x) => x.vendor === vendor);
  const mapVendors = fields.map((f) => f.vendor);
  findings.push(
    ...isolatePerVendor('schema', mapVendors, () => detectSchemaDrift(fields, routes, window, d), (v) => detectSchemaDrift(own(fields, v), own(routes, v), window, d)),
  );
  // One PII rule for live alerts and `policy check` (common/pii-policy.ts).
  const policy = { vendors: settings.vendors, pii: settings.pii };
  findings.push(...isolatePerVendor('pii', mapVendors, () => detectPii(fields, routes, policy, window, d), (v) => detectPii(own(fields, v), own(routes, v), policy, window, d)));

  const destinations = mergeDestinations(known, fresh).filter((x) => !vendors || vendors.includes(x.vendor));
  findings.push(...detectBudgetHits(budgetHits, fields, window, destinations));

  const installedSince = Math.min(...known.map((x) => x.firstSeen), ...fresh.map((x) => x.firstSeen));
  const unallowedPii = unallowedPiiByDestination(fields, policy, window);
  findings.push(
    ...isolatePerVendor(
      'destinations',
      destinations.map((x) => x.vendor),
      () => detectNewDestinations(destinations, installedSince, window, d, unallowedPii),
      (v) => detectNewDestinations(own(destinations, v), installedSince, window, d, unallowedPii),
    ),
  );
  if (options.timings) {
    Object.assign(options.timings, { readsMs: read - started, assemblyMs: assembled - read, trafficMs: detected - assembled, otherMs: performance.now() - detected });
  }
  return findings;
}
