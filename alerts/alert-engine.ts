import type { Config } from '../common/config/index.js';
import type { LifecycleOptions } from './lifecycle.js';
import { alertLinks } from './links.js';
import { ruleBook } from './rules.js';

// The step that composes detection, the lifecycle, `alerts` and the notifier is
// app/detection-step.ts (live worker and `detect` replay alike); this file keeps only the
// lifecycle's options, resolved from config in one place.

/** Lifecycle options from config: rules per vendor/kind, links, repeat interval. */
export function lifecycleOptions(config: Pick<Config, 'alerts' | 'vendors' | 'collector'>): LifecycleOptions {
  return {
    rules: ruleBook(config.alerts),
    links: alertLinks(config),
    repeatIntervalMs: config.alerts.repeat_interval_seconds * 1000,
  };
}
