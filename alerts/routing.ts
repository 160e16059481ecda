import { alertmanagerGroupKey } from './group-key.js';
import { createHash } from 'node:crypto';
import type { RouteConfig } from '../common/config/alerts.js';
import type { Alert, AlertKind } from '../common/types.js';
import { allMatch, parseMatcher } from '../common/label-matchers.js';
import type { ResolvedReceiver } from './receivers-config.js';
import { silencedBy, type Silence } from './silences.js';

/** One message to one receiver: the alerts of one group that changed to one state in one window. */
export interface NotificationJob {
  /** Deterministic: the same state change of the same group in the same window has the same id. */
  jobId: string;
  receiver: string;
  /** Alertmanager-style `{}:{kind="…",vendor="…"}`. */
  groupKey: string;
  groupLabels: { vendor: string; kind: string };
  status: 'firing' | 'resolved';
  /** Start of the group window (epoch ms). */
  windowStartMs: number;
  /** The alerts this message is about (each gets its own PagerDuty event). */
  alerts: Alert[];
  /** Duplicates listed in the message but not raised on their own (bytes_spike under volume_spike). */
  inhibited: Alert[];
}

export interface PlanOptions {
  receivers: readonly ResolvedReceiver[];
  routes: readonly RouteConfig[];
  silences: readonly Silence[];
  groupIntervalMs: number;
  /** When silences are judged; default `atMs`. The notifier passes now: a replay is silenced by today's silences. */
  silencedAtMs?: number | undefined;
  /** (vendor, service) pairs with a volume_spike firing after this step: their bytes_spike is inhibited. */
  volumeSpikesFiring?: readonly { vendor: string; service: string }[] | undefined;
}

export interface NotificationPlan {
  jobs: NotificationJob[];
  /** Alerts a silence kept from every receiver, with the silence's id. */
  silenced: { fingerprint: string; status: string; silenceId: string }[];
}

/**
 * Groups kind families: a bytes spike usually rides on a volume spike of the same calls, so they
 * share a group and the message lists both.
 */
export function groupKind(kind: AlertKind): string {
  return kind === 'bytes_spike' ? 'volume_spike' : kind;
}

/** The receivers an alert goes to. No routes: everyone, PagerDuty only for critical. */
export function routeAlert(alert: Alert, receivers: readonly ResolvedReceiver[], routes: readonly RouteConfig[]): string[] {
  if (routes.length === 0) {
    return receivers.filter((r) => r.type !== 'pagerduty' || alert.severity === 'critical').map((r) => r.name);
  }
  const names = new Set<string>();
  for (const route of routes) {
    if (route.severities && !route.severities.includes(alert.severity)) continue;
    if (route.vendors && !route.vendors.includes(alert.vendor)) continue;
    if (route.kinds && !route.kinds.includes(alert.kind)) continue;
    if (route.match && !allMatch(route.match.map(parseMatcher), alert.labels)) continue;
    if (receivers.some((r) => r.name === route.receiver)) names.add(route.receiver);
  }
  return [...names];
}

/**
 * Turns one step's transitions into notification jobs, pure: drops silenced alerts, routes the
 * rest, groups per (receiver, vendor, kind family, status) and folds a bytes_spike into the
 * volume_spike of the same vendor+service. `atMs` is the step's end: it picks the group window.
 */
export function planNotifications(transitions: readonly Alert[], atMs: number, options: PlanOptions): NotificationPlan {
  const silenced: NotificationPlan['silenced'] = [];
  const groups = new Map<string, { receiver: string; vendor: string; kind: string; status: Alert['status']; alerts: Alert[] }>();
  for (const alert of transitions) {
    const silenceId = silencedBy(alert, options.silences, options.silencedAtMs ?? atMs);
    if (silenceId) {
      silenced.push({ fingerprint: alert.fingerprint, status: alert.status, silenceId });
      continue;
    }
    for (const receiver of routeAlert(alert, options.receivers, options.routes)) {
      const kind = groupKind(alert.kind);
      const key = JSON.stringify([receiver, alert.vendor, kind, alert.status]);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { receiver, vendor: alert.vendor, kind, status: alert.status, alerts: [] }));
      if (!group.alerts.some((a) => a.fingerprint === alert.fingerprint)) group.alerts.push(alert);
    }
  }
  const windowStartMs = Math.floor(atMs / options.groupIntervalMs) * options.groupIntervalMs;
  const jobs: NotificationJob[] = [];
  for (const g of groups.values()) {
    const sorted = [...g.alerts].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    const volumeServices = new Set(sorted.filter((a) => a.kind === 'volume_spike').map((a) => a.service));
    for (const v of options.volumeSpikesFiring ?? []) if (v.vendor === g.vendor) volumeServices.add(v.service);
    const inhibited = sorted.filter((a) => a.kind === 'bytes_spike' && volumeServices.has(a.service));
    const alerts = sorted.filter((a) => !inhibited.includes(a));
    // Only duplicates of a volume spike that was notified already: nothing new to say.
    if (alerts.length === 0) continue;
    const groupKey = alertmanagerGroupKey({ kind: g.kind, vendor: g.vendor });
    const digest = createHash('sha256')
      .update(JSON.stringify([g.receiver, groupKey, g.status, windowStartMs, sorted.map((a) => [a.fingerprint, a.severity, a.startsAt])]))
      .digest('hex')
      .slice(0, 24);
    jobs.push({
      // BullMQ ids must not contain ':'; receiver names are [a-z0-9_-].
      jobId: `notify-${g.receiver}-${g.status}-${digest}`,
      receiver: g.receiver,
      groupKey,
      groupLabels: { vendor: g.vendor, kind: g.kind },
      status: g.status,
      windowStartMs,
      alerts,
      inhibited,
    });
  }
  return { jobs, silenced };
}
