import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG, detectionConfigSchema } from '../../../common/config/detection.js';
import { evaluationWindow } from '../../../detectors/evaluate-step.js';

describe('detection config', () => {
  it('defaults every key, keeps the original three, and rejects unknown ones', () => {
    expect(detectionConfigSchema.parse(undefined)).toEqual(DEFAULT_DETECTION_CONFIG);
    expect(detectionConfigSchema.parse({ lag_seconds: 90 })).toMatchObject({ step_seconds: 60, lag_seconds: 90, history_days: 28, min_delta_calls: 5 });
    expect(() => detectionConfigSchema.parse({ min_scor: 0.4 })).toThrow();
    expect(() => detectionConfigSchema.parse({ min_score: 2 })).toThrow();
  });

  it('evaluates only minutes closed for lag_seconds', () => {
    const settings = { detection: { ...DEFAULT_DETECTION_CONFIG, lag_seconds: 30 }, vendors: {} };
    const t = Date.UTC(2026, 10, 23, 10, 5, 20);
    // 10:05:20 − 30 s = 10:04:50: the minute 10:04 is still open, 10:03 is the last closed one.
    expect(evaluationWindow(t, settings)).toEqual({ from: Date.UTC(2026, 10, 23, 10, 3), to: Date.UTC(2026, 10, 23, 10, 4) });
    const fiveMinutes = { detection: { ...settings.detection, step_seconds: 300 }, vendors: {} };
    expect(evaluationWindow(t, fiveMinutes).from).toBe(Date.UTC(2026, 10, 23, 9, 59));
  });
});
