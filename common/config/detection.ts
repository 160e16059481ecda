import { z } from 'zod';

const DEFAULTS = {
  step_seconds: 60,
  lag_seconds: 30,
  history_days: 28,
  min_score: 0.5,
  min_delta_calls: 5,
  warmup_minutes: 120,
  recent_minutes: 30,
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
    /** Volume-like findings (spike, drop, bytes) need at least this score in [0, 1]; lower = more sensitive. */
    min_score: z.number().min(0).max(1).default(DEFAULTS.min_score),
    /** A minute differing from its baseline by fewer calls than this is never a volume finding (3 calls instead of 1). */
    min_delta_calls: z.number().min(0).default(DEFAULTS.min_delta_calls),
    /** Minutes of history a series needs before its first volume, bytes, error or latency finding. */
    warmup_minutes: z.number().int().min(0).max(10_080).default(DEFAULTS.warmup_minutes),
    /** Minutes of recent traffic fed to the scorer each cycle (recent level, refractory). */
    recent_minutes: z.number().int().min(5).max(240).default(DEFAULTS.recent_minutes),
    /** volume_spike also needs calls at least this many times the expected (a planned 30% ramp is not a spike). */
    spike_min_ratio: z.number().min(1).default(DEFAULTS.spike_min_ratio),
    /** volume_drop also needs calls at most this fraction of the expected (a quiet holiday is not an outage). */
    drop_max_ratio: z.number().min(0).max(1).default(DEFAULTS.drop_max_ratio),
    /** bytes_spike also needs request bytes at least this many times the expected. */
    bytes_min_ratio: z.number().min(1).default(DEFAULTS.bytes_min_ratio),
    /** error_spike needs at least this many errors in the minute… */
    error_min_count: z.number().int().min(1).default(DEFAULTS.error_min_count),
    /** …and an error ratio at least this much above the baseline ratio (0.05 = 5 points). */
    error_min_increase: z.number().min(0).max(1).default(DEFAULTS.error_min_increase),
    /** latency_spike needs at least this many calls in the minute… */
    latency_min_calls: z.number().int().min(1).default(DEFAULTS.latency_min_calls),
    /** …and a p95 at least this many times the baseline p95. */
    latency_min_ratio: z.number().min(1).default(DEFAULTS.latency_min_ratio),
    /** No new_destination findings until the installation has seen traffic this long (everything is new at first). */
    new_destination_warmup_hours: z.number().min(0).max(720).default(DEFAULTS.new_destination_warmup_hours),
    /** A route must be known this long before its new fields count as schema drift. */
    schema_min_route_age_minutes: z.number().int().min(0).default(DEFAULTS.schema_min_route_age_minutes),
    /** A field absent this long while its route keeps being called counts as removed. */
    schema_removed_after_minutes: z.number().int().min(1).default(DEFAULTS.schema_removed_after_minutes),
  })
  .strict()
  .default(DEFAULTS);

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;

/** The defaults, for callers (tests, backtest) that have no config file. */
export const DEFAULT_DETECTION_CONFIG: DetectionConfig = { ...DEFAULTS };
