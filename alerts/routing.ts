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

interface Group {
  receiver: string;
  vendor: string;
  kind: string;
  status: Alert['status'];
  alerts: Alert[];
}

/**
 * Groups one receiver gets for one status from one step, at most. A sender that reaches hundreds
 * of destinations in a minute (each IP address is a vendor of its own) would otherwise make two
 * groups per address: 600 Slack messages for 300 addresses, at Slack's one a second per webhook
 * ten minutes of queue in front of every other alert.
 */
export const MAX_GROUPS_PER_STEP = 20;
/** Past the bound, this many groups stay as they are (critical first); the rest fold per kind. */
const GROUPS_KEPT_WHOLE = 10;

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/** A loop, not Math.min(...): a group of 100k+ alerts would overflow the argument list. */
function worstRank(alerts: readonly Alert[]): number {
  let rank: number = SEVERITY_RANK.info;
  for (const a of alerts) rank = Math.min(rank, SEVERITY_RANK[a.severity]);
  return rank;
}

/**
 * Each (receiver, status) with more than MAX_GROUPS_PER_STEP groups keeps its GROUPS_KEPT_WHOLE
 * worst (by severity, then vendor) and folds the rest into one group per kind family, labelled
 * with how many vendors it holds ("290 vendors"): every alert is still in a message, and at most
 * 10 + the number of kinds messages go out. Each alert keeps its own PagerDuty event.
 */
function boundGroups(groups: Group[]): Group[] {
  const byReceiver = new Map<string, Group[]>();
  for (const g of groups) {
    const key = JSON.stringify([g.receiver, g.status]);
    const list = byReceiver.get(key);
    if (list) list.push(g);
    else byReceiver.set(key, [g]);
  }
  const out: Group[] = [];
  for (const list of byReceiver.values()) {
    if (list.length <= MAX_GROUPS_PER_STEP) {
      out.push(...list);
      continue;
    }
    const rank = new Map(list.map((g) => [g, worstRank(g.alerts)]));
    const ordered = [...list].sort((a, b) => rank.get(a)! - rank.get(b)! || (a.vendor < b.vendor ? -1 : a.vendor > b.vendor ? 1 : 0) || (a.kind < b.kind ? -1 : 1));
    out.push(...ordered.slice(0, GROUPS_KEPT_WHOLE));
    const folded = new Map<string, Group[]>();
    for (const g of ordered.slice(GROUPS_KEPT_WHOLE)) {
      const parts = folded.get(g.kind);
      if (parts) parts.push(g);
      else folded.set(g.kind, [g]);
    }
    for (const [kind, parts] of folded) {
      const first = parts[0]!;
      out.push({
        receiver: first.receiver,
        vendor: parts.length === 1 ? first.vendor : `${parts.length} vendors`,
        kind,
        status: first.status,
        alerts: parts.flatMap((g) => g.alerts),
      });
    }
  }
  return out;
}

/**
 * Turns one step's transitions into notification jobs, pure: drops silenced alerts, routes the
 * rest, groups per (receiver, vendor, kind family, status) and folds a bytes_spike into the
 * volume_spike of the same vendor+service; past MAX_GROUPS_PER_STEP groups a receiver's groups
 * fold per kind. `atMs` is the step's end: it picks the group window.
 */
export function planNotifications(transitions: readonly Alert[], atMs: number, options: PlanOptions): NotificationPlan {
  const silenced: NotificationPlan['silenced'] = [];
  const groups = new Map<string, Group>();
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
  for (const g of boundGroups([...groups.values()])) {
    const sorted = [...g.alerts].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    // By (vendor, service): a folded group holds many vendors, and one vendor's volume spike
    // says nothing about another's bytes.
    const pair = (a: { vendor: string; service: string }): string => JSON.stringify([a.vendor, a.service]);
    const volumePairs = new Set(sorted.filter((a) => a.kind === 'volume_spike').map(pair));
    for (const v of options.volumeSpikesFiring ?? []) volumePairs.add(pair(v));
    const inhibited = sorted.filter((a) => a.kind === 'bytes_spike' && volumePairs.has(pair(a)));
    const inhibitedSet = new Set(inhibited);
    const alerts = sorted.filter((a) => !inhibitedSet.has(a));
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
