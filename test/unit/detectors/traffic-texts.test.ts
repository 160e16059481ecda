import { describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { advance, type AlertStates } from '../../../alerts/lifecycle.js';
import { pagerDutyEvents } from '../../../alerts/pagerduty.js';
import type { NotificationJob } from '../../../alerts/routing.js';
import { slackMessage } from '../../../alerts/slack.js';
import { alertmanagerPayload } from '../../../alerts/webhook.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import { detectTraffic } from '../../../detectors/traffic-detector.js';
import { buildSeries, DAY, HOUR, MIN, type Point } from './series-fixture.js';

/**
 * What a person reads about a traffic alert, end to end: the real detector's finding through the
 * lifecycle into the Slack, PagerDuty and webhook payloads (the console and the CLI show the
 * alert's summary). No ratio against nothing, figures rounded, the same figures everywhere.
 */

const config = parseConfig({ alerts: { runbook_base_url: 'http://127.0.0.1:4318' } });
const START = Date.UTC(2026, 10, 2);
/** Tuesday 03:00 UTC: crm-sync never calls salesforce at night. */
const NIGHT = Date.UTC(2026, 11, 1, 3, 0);

/** Business hours only (08–18 UTC, weekdays): 6 calls a minute of 900 bytes each, nothing at night. */
function daytime(t: number): Point {
  const d = new Date(t);
  const calls = d.getUTCHours() >= 8 && d.getUTCHours() < 18 && d.getUTCDay() % 6 !== 0 ? 6 : 0;
  return { calls, requestBytes: calls * 900, errors: 0, latencyP95Ms: 100 };
}

/** Replays one step per minute through the detector and lifecycle; returns the firing alerts. */
function firing(traffic: (t: number) => Point, from: number, to: number): Alert[] {
  const lifecycle = lifecycleOptions(config);
  let states: AlertStates = {};
  const out: Alert[] = [];
  for (let t = from; t < to; t += MIN) {
    const series = buildSeries({ start: START, now: t + MIN, traffic, vendor: 'salesforce', service: 'crm-sync' });
    const step = advance(states, detectTraffic(series, 1, config.detection), t + MIN + 30_000, lifecycle);
    states = step.states;
    out.push(...step.transitions.filter((a) => a.status === 'firing'));
  }
  return out;
}

function job(alert: Alert): NotificationJob {
  return { jobId: 'notify-x', receiver: 'r', groupKey: '{}', groupLabels: { vendor: alert.vendor, kind: alert.kind }, status: 'firing', windowStartMs: NIGHT, alerts: [alert], inhibited: [] };
}

/** Every text a receiver shows for the alert. */
function rendered(alert: Alert): { slack: string; pagerduty: string; webhook: string; console: string } {
  const [event] = pagerDutyEvents(job(alert), 'KEY', 'http://127.0.0.1:4318');
  return {
    slack: JSON.stringify(slackMessage(job(alert)).blocks),
    pagerduty: JSON.stringify(event),
    webhook: JSON.stringify(alertmanagerPayload(job(alert), 'http://127.0.0.1:4318').alerts[0]),
    console: alert.summary,
  };
}

describe('traffic alert texts', () => {
  it('says "where there are usually none" for calls at an hour that never has any, and shows the same figures everywhere', () => {
    // 40 calls in ten minutes at 03:00, an hour without a single call in four weeks.
    const traffic = (t: number): Point => (t >= NIGHT && t < NIGHT + 10 * MIN ? { calls: 4, requestBytes: 3600, errors: 0, latencyP95Ms: 100 } : daytime(t));
    const alerts = firing(traffic, NIGHT, NIGHT + 10 * MIN);
    const spike = alerts.find((a) => a.kind === 'volume_spike')!;
    expect(spike.summary).toMatch(/^Calls crm-sync → salesforce: \d+ in the last (minute|\d+ min) where there are usually none\.$/);
    expect(spike.expected).toBe(0);
    const count = spike.summary.match(/: (\d+) in/)![1]!;
    expect(spike.value).toBe(Number(count));
    for (const [receiver, text] of Object.entries(rendered(spike))) {
      expect(text, receiver).toContain(spike.summary);
      expect(text, receiver).not.toMatch(/\d×|e\+\d|Infinity|NaN/);
    }
    expect(rendered(spike).slack).toContain(`value ${count} calls in ${spike.annotations['window']}, usually none`);
    expect(JSON.parse(rendered(spike).pagerduty).payload.custom_details).toMatchObject({ value: Number(count), expected: 0 });
  });

  it('rounds bytes to what matters and keeps one set of figures in the summary, value/expected and details', () => {
    // By day, 15× the bytes per call at the usual call count.
    const at = NIGHT + 8 * HOUR + DAY;
    const traffic = (t: number): Point => (t >= at ? { calls: 6, requestBytes: 6 * 900 * 15 + 7, errors: 0, latencyP95Ms: 100 } : daytime(t));
    const surge = firing(traffic, at, at + 10 * MIN).find((a) => a.kind === 'bytes_spike')!;
    const m = surge.summary.match(/^Request bytes crm-sync → salesforce: ([\d.]+) kB in the last \d+ min, ([\d.]+×) the usual ([\d.]+) kB \(([\d.]+ kB) per call, usually 900 B\)\.$/);
    expect(m, surge.summary).not.toBeNull();
    const [, sent, ratio, usual, perCall] = m!;
    // Three significant digits at most, the same figures in value/expected and details.
    for (const figure of [sent!, usual!, perCall!]) expect(figure.replace(/\D/g, '').length).toBeLessThanOrEqual(3);
    expect(surge.value).toBe(Number(sent) * 1000);
    expect(surge.expected).toBe(Number(usual) * 1000);
    expect(surge.annotations).toMatchObject({ ratio, bytes_per_call: perCall, usual_bytes_per_call: '900 B' });
    expect(rendered(surge).slack).toContain(`value ${sent} kB vs expected ${usual} kB in ${surge.annotations['window']}`);
  });
});
