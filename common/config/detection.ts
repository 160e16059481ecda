import { z } from 'zod';

/**
 * `detection:` section of egresswatch.yaml. Owned by the detectors; every field has a default.
 * YAML keys are snake_case; the parsed value is what detectors receive.
 */
export const detectionConfigSchema = z
  .object({
    /** Detection step in seconds: one `detect` tick per step. */
    step_seconds: z.number().int().min(10).max(3600).default(60),
    /** A closed minute is evaluated only this many seconds after it ends (late spans). */
    lag_seconds: z.number().int().min(0).max(3600).default(30),
    /** How much history baselines read, in days (seasonal profiles need up to 28). */
    history_days: z.number().int().min(1).max(28).default(28),
  })
  .strict()
  .default({ step_seconds: 60, lag_seconds: 30, history_days: 28 });

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;
