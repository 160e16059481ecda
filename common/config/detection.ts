import { z } from 'zod';

const DEFAULTS = {
  step_seconds: 60,
  lag_seconds: 30,
  history_days: 28,
  min_score: 0.5,
  min_delta_calls: 5,
  warmup_minutes: 120,
  recent_minutes: 75,
  window_minutes: [1, 5, 15, 60],
  spike_min_ratio: 1.5,
  drop_max_ratio: 0.3,
  bytes_min_ratio: 2,
  error_min_count: 5,
  error_min_increase: 0.05,
  latency_min_calls: 5,
  latency_min_ratio: 2,
  new_destination_warmup_hours: 24,
  schema_min_route_age_minutes: 60,
  schema_removed_after_minutes: 60,
  schema_field_min_age_minutes: 1440,
};

/**
 * `detection:` section of egresswatch.yaml. Owned by the detectors; every field has a default.
 * YAML keys are snake_case; the parsed value is what detectors receive.
 */
export const detectionConfigSchema = z
  .object({
    /** Detection step in seconds: one `detect` tick per step. */
    step_seconds: z.number().int().min(10).max(3600).default(DEFAULTS.step_seconds),
    /** A closed minute is evaluated only this many seconds after it ends (late spans). */
    lag_seconds: z.number().int().min(0).max(3600).default(DEFAULTS.lag_seconds),
    /** How much history baselines read, in days (seasonal profiles need up to 28). */
    history_days: z.number().int().min(1).max(28).default(DEFAULTS.history_days),
    /**
     * Traffic findings need at least this level in [0, 1] in one of their windows; 0.5 is each
     * window's own threshold (4.85σ over one minute … 3.97σ over 60, the same false alarms per day).
     * Lower = more sensitive.
     */
    min_score: z.number().min(0).max(1).default(DEFAULTS.min_score),
    /** A window differing from its baseline by fewer calls than this is never a volume finding (3 calls instead of 1); for bytes, this many calls' worth. */
    min_delta_calls: z.number().min(0).default(DEFAULTS.min_delta_calls),
    /** Minutes of history a series needs before its first volume, bytes, error or latency finding. */
    warmup_minutes: z.number().int().min(0).max(10_080).default(DEFAULTS.warmup_minutes),
    /** Minutes of recent traffic read each cycle: the longest window plus the level of a series without a season yet. */
    recent_minutes: z.number().int().min(5).max(240).default(DEFAULTS.recent_minutes),
    /**
     * Every traffic rule is judged over each of these windows (minutes ending at the evaluated
     * one), each with its own threshold: a vendor called twice a minute is watched as surely as a
     * busy one, because evidence that comes slowly adds up over the longer windows.
     */
    window_minutes: z.array(z.number().int().min(1).max(240)).min(1).max(8).default(DEFAULTS.window_minutes),
    /** volume_spike also needs calls at least this many times the expected (a planned 30% ramp is not a spike). */
    spike_min_ratio: z.number().min(1).default(DEFAULTS.spike_min_ratio),
    /** volume_drop also needs calls at most this fraction of the expected (a quiet holiday is not an outage). */
    drop_max_ratio: z.number().min(0).max(1).default(DEFAULTS.drop_max_ratio),
    /** bytes_spike also needs request bytes at least this many times the expected. */
    bytes_min_ratio: z.number().min(1).default(DEFAULTS.bytes_min_ratio),
    /** error_spike needs at least this many errors in the window… */
    error_min_count: z.number().int().min(1).default(DEFAULTS.error_min_count),
    /** …and an error ratio at least this much above the baseline ratio (0.05 = 5 points). */
    error_min_increase: z.number().min(0).max(1).default(DEFAULTS.error_min_increase),
    /** latency_spike needs at least this many calls in the window… */
    latency_min_calls: z.number().int().min(1).default(DEFAULTS.latency_min_calls),
    /** …and a p95 at least this many times the baseline p95. */
    latency_min_ratio: z.number().min(1).default(DEFAULTS.latency_min_ratio),
    /** No new_destination findings until the installation has seen traffic this long (everything is new at first). */
    new_destination_warmup_hours: z.number().min(0).max(720).default(DEFAULTS.new_destination_warmup_hours),
    /** A route must be known this long before its new fields count as schema drift. */
    schema_min_route_age_minutes: z.number().int().min(0).default(DEFAULTS.schema_min_route_age_minutes),
    /** A field absent this long while its route keeps being called counts as removed. */
    schema_removed_after_minutes: z.number().int().min(1).default(DEFAULTS.schema_removed_after_minutes),
    /**
     * …if it had been sent for at least this long: a field that came and went within a day was
     * news once, when it came (schema_drift or pii_new); its going is the end of that change.
     */
    schema_field_min_age_minutes: z.number().int().min(0).default(DEFAULTS.schema_field_min_age_minutes),
  })
  .strict()
  .superRefine((d, ctx) => {
    const longest = Math.max(...d.window_minutes);
    if (longest > d.recent_minutes) {
      ctx.addIssue({ code: 'custom', path: ['window_minutes'], message: `the longest window (${longest} min) needs recent_minutes ≥ ${longest}, got ${d.recent_minutes}` });
    }
  })
  .default(DEFAULTS);

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;

/** The defaults, for callers (tests, backtest) that have no config file. */
export const DEFAULT_DETECTION_CONFIG: DetectionConfig = { ...DEFAULTS, window_minutes: [...DEFAULTS.window_minutes] };
