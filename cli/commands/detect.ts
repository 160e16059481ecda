import { randomUUID } from 'node:crypto';
import type { Config } from '../../common/config/index.js';
import { terminalJson, visible } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import type { DeliveryReport, MessageCount, ReceiverDelivery } from '../../alerts/delivery-report.js';
import type { Notifier } from '../../alerts/notifier.js';
import { resolveReceivers } from '../../alerts/receivers-config.js';
import { replayDeliveringHere, replayDetection, type ReplayProgress, type ReplayResult } from '../../app/replay.js';
import { API } from '../api-contract.js';
import { apiRoute, type ApiRoute } from '../api-routes.js';
import { boolFlag, defineCommand, parseDurationMs, parseTimeMs, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { runningInstance, withStoreOrApi } from '../store-access.js';

/**
 * How far a replay reads before `--from` at most to find where open alerts began: 2 h costs a few
 * seconds; a run of findings longer than that (a standing policy violation) shows as starting there.
 */
const DEFAULT_LOOKBACK = '2h';

/** The replay request, as the CLI sends it to a running instance's API too. */
export interface DetectRequest {
  from: number;
  to: number;
  step: number;
  notify: boolean;
  /** `--record`: the id the replay's alert changes are stored under in `replay_alerts`. */
  record?: string | undefined;
  /** `--lookback`: the longest stretch read before `from` to find where open alerts began (ms). */
  lookback: number;
}

/** Validates and resolves `--from/--to/--step`. */
export function detectRequest(
  args: { from?: string | undefined; to?: string | undefined; step?: string | undefined; notify?: boolean; record?: string | undefined; lookback?: string | undefined },
  nowMs = Date.now(),
): DetectRequest {
  if (!args.from || !args.to) throw new ConfigError('detect needs --from and --to (RFC 3339 or now-2h style)');
  const from = parseTimeMs(args.from, '--from', nowMs);
  const to = parseTimeMs(args.to, '--to', nowMs);
  const step = parseDurationMs(args.step ?? '1m', '--step');
  if (to <= from) throw new ConfigError(`--to (${new Date(to).toISOString()}) must be after --from (${new Date(from).toISOString()})`);
  if (step < 10_000 || step > 86_400_000) throw new ConfigError('--step must be between 10s and 1d');
  if ((to - from) / step > 100_000) throw new ConfigError(`--from..--to holds ${Math.round((to - from) / step)} steps; use a larger --step or a shorter window (at most 100000)`);
  const lookback = parseDurationMs(args.lookback ?? DEFAULT_LOOKBACK, '--lookback');
  if (lookback > 7 * 86_400_000 || lookback / step > 20_000) throw new ConfigError('--lookback must be at most 7d and 20000 steps');
  return { from, to, step, notify: args.notify === true, record: args.record, lookback };
}

/** What `renderDetect` prints: the replay, and where it ran. */
export type DetectOutput = Pick<ReplayResult, 'alerts'> & Partial<Omit<ReplayResult, 'alerts'>> & { fromMs?: number; via?: string };

/** The text listing; every substituted value goes through `visible` (an ESC in a vendor name shows as `\x1b`). */
export function renderDetect(result: DetectOutput): string {
  const lines: string[] = [];
  if (result.alerts.length === 0) lines.push('no alerts in that window');
  for (const a of result.alerts) {
    const before = a.status === 'firing' && result.fromMs !== undefined && Date.parse(a.startsAt) < result.fromMs ? '  (already firing at --from)' : '';
    const when = a.status === 'resolved' ? `${a.startsAt} → ${a.endsAt ?? ''}` : `${a.startsAt}${before}`;
    lines.push(visible`${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.kind.padEnd(15)} ${a.vendor}${a.service ? ` ← ${a.service}` : ''}  ${when}\n         ${a.summary}\n         runbook: ${a.runbook_url}`);
  }
  if (result.recorded) lines.push(`recorded ${plural(result.recorded.changes, 'alert change')} in replay_alerts as replay ${result.recorded.replayId} (the live alerts are untouched)`);
  if (result.delivery) lines.push(...renderDelivery(result.delivery, result.via ?? 'this process'));
  return lines.join('\n') + '\n';
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function counted(c: MessageCount): string {
  const parts = [c.firing > 0 ? `${c.firing} firing` : '', c.resolved > 0 ? `${c.resolved} resolved` : ''].filter(Boolean).join(', ');
  return `${plural(c.messages, 'message')}${parts ? ` (${parts})` : ''}`;
}

/** One line per receiver saying what it got, then what was silenced or held back. */
export function renderDelivery(report: DeliveryReport, via: string): string[] {
  const lines = [`notifications, sent by ${via}:`];
  if (report.receivers.length === 0) {
    lines.push(
      `  no receivers are configured in ${via}: set SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY or EGRESSWATCH_WEBHOOK_URL (or alerts.receivers in egresswatch.yaml)${via === 'this process' ? '' : ' where `egresswatch start` runs, and restart it'}`,
    );
  }
  if (report.offered === 0 && report.heldBack === 0) {
    lines.push('  nothing to send: no alert changed state in the window (one already firing when it opens is not sent again)');
    return lines;
  }
  const width = Math.max(10, ...report.receivers.map((r) => r.receiver.length));
  for (const r of report.receivers) lines.push(visible`  ${r.receiver.padEnd(width)}  ${receiverLine(r)}`);
  if (report.silenced.changes > 0) lines.push(`  ${'silenced'.padEnd(width)}  ${plural(report.silenced.changes, 'alert change')} kept back by ${plural(report.silenced.silenceIds.length, 'silence')}: ${report.silenced.silenceIds.join(', ')}`);
  if (report.heldBack > 0) {
    lines.push(`  ${'held back'.padEnd(width)}  ${plural(report.heldBack, 'replayed resolve')} of alerts firing live right now: sending it would close the live incident`);
  }
  return lines;
}

function receiverLine(r: ReceiverDelivery): string {
  const parts: string[] = [];
  if (r.sent.messages > 0) parts.push(`sent ${counted(r.sent)}`);
  if (r.sentBefore.messages > 0) parts.push(`${counted(r.sentBefore)} sent before (same alerts, group and window): not sent again`);
  if (r.failed.messages > 0) parts.push(`FAILED ${counted(r.failed)}: ${r.failed.reasons.join('; ')}`);
  if (r.pending.messages > 0) parts.push(`${counted(r.pending)} not delivered yet, still retrying${r.pending.reasons.length > 0 ? `: ${r.pending.reasons.join('; ')}` : ''}`);
  return parts.length > 0 ? parts.join('; ') : 'nothing for this receiver (no alert change was routed to it)';
}

/** Whether a replay's notifications did not all go out. */
function deliveryFailed(result: ReplayResult): boolean {
  return (result.delivery?.receivers ?? []).some((r) => r.failed.messages > 0 || r.pending.messages > 0);
}

/**
 * Progress on stderr for long replays: a line every `intervalMs` (the first only once that long
 * has passed, so short replays print nothing), with steps done, the total and the time left.
 */
export function progressPrinter(write: (line: string) => void, intervalMs: number, now: () => number = Date.now): (p: ReplayProgress) => void {
  const started = now();
  let windowStarted: number | undefined;
  let lastPrinted = started;
  return (p) => {
    const t = now();
    if (p.phase === 'window' && windowStarted === undefined) windowStarted = t;
    if (t - lastPrinted < intervalMs) return;
    lastPrinted = t;
    const elapsed = duration(t - started);
    if (p.phase === 'lookback') {
      write(`detect: reading ${plural(p.done, 'step')} before --from to find where open alerts began (at most ${p.total}), ${elapsed} so far`);
      return;
    }
    const rate = p.done / Math.max(1, t - (windowStarted ?? t));
    const left = p.done > 0 && rate > 0 ? ` about ${duration((p.total - p.done) / rate)} left` : '';
    write(`detect: ${p.done}/${p.total} steps (${Math.floor((100 * p.done) / Math.max(1, p.total))}%), ${elapsed} so far,${left}`);
  };
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** What receivers this shell's environment names that the running instance does not have. */
function receiversOnlyHere(config: Config, report: DeliveryReport | undefined): string[] {
  if (!report) return [];
  try {
    const there = new Set(report.receivers.map((r) => r.receiver));
    return resolveReceivers(config.alerts, process.env)
      .map((r) => r.name)
      .filter((name) => !there.has(name));
  } catch {
    return [];
  }
}

export const detectCommand = defineCommand({
  name: 'detect',
  summary: 'replay the detectors over a past window as if live at each step and print the alerts (read-only unless --record/--notify)',
  usage: '--from T --to T [--step 1m] [--lookback 2h] [--json] [--record] [--notify] [--config FILE]',
  options: {
    ...configOption,
    from: { type: 'string' },
    to: { type: 'string' },
    step: { type: 'string' },
    lookback: { type: 'string' },
    json: { type: 'boolean' },
    notify: { type: 'boolean' },
    record: { type: 'boolean' },
  },
  async run(args) {
    const config = configFromArgs(args);
    const request = detectRequest({
      from: stringFlag(args, 'from'),
      to: stringFlag(args, 'to'),
      step: stringFlag(args, 'step'),
      notify: boolFlag(args, 'notify'),
      record: boolFlag(args, 'record') ? randomUUID() : undefined,
      lookback: stringFlag(args, 'lookback'),
    });
    // A CI log gets a line every 10 s; a terminal every 2 s.
    const onProgress = progressPrinter((line) => process.stderr.write(line + '\n'), process.stderr.isTTY ? 2_000 : 10_000);
    const instance = config.clickhouse.url ? undefined : runningInstance(config);
    const via = instance ? `the running egresswatch (pid ${instance.pid})` : 'this process';
    const result = await withStoreOrApi<ReplayResult>(config, {
      local: async (store) => {
        const options = {
          fromMs: request.from,
          toMs: request.to,
          stepMs: request.step,
          maxLookbackMs: request.lookback,
          record: request.record ? { replayId: request.record } : undefined,
          onProgress,
        };
        // With --notify this process waits for its own deliveries: in-process jobs are what it needs.
        return request.notify ? replayDeliveringHere(store, config, options) : replayDetection(store, config, options);
      },
      api: async (call) => {
        // The replay runs in the instance; its progress is polled beside the call.
        const progressId = randomUUID();
        let polling = false;
        const poll = setInterval(() => {
          if (polling) return;
          polling = true;
          call(API.detectProgress, { query: { id: progressId }, timeoutMs: 5_000 })
            .then((answer) => answer.progress && onProgress(answer.progress))
            .catch(() => undefined)
            .finally(() => (polling = false));
        }, 1_000);
        try {
          // A long replay with --notify waits for deliveries (up to 10 min) on the server side.
          return await call(API.detect, { body: { ...request, progressId }, timeoutMs: 30 * 60_000 });
        } finally {
          clearInterval(poll);
        }
      },
    });
    if (result.lookback.open > 0) {
      process.stderr.write(
        `detect: ${plural(result.lookback.open, 'alert')} already held ${duration(request.from - result.lookback.fromMs)} before --from, as far as the replay looked back; they are shown starting there (--lookback 24h looks further)\n`,
      );
    }
    const onlyHere = request.notify && instance ? receiversOnlyHere(config, result.delivery) : [];
    if (onlyHere.length > 0) {
      process.stderr.write(`detect: this shell configures ${onlyHere.join(', ')}, but notifications go through ${via}, which has not: configure them where \`egresswatch start\` runs\n`);
    }
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(result.alerts) + '\n' : renderDetect({ ...result, fromMs: Math.ceil(request.from / request.step) * request.step, via }));
    return deliveryFailed(result) ? 1 : 0;
  },
});

/** What the `/api/detect` routes need from the running instance; read when a call comes. */
export interface DetectApiDeps {
  config: () => Config;
  /** The live worker's notifier (the instance's receivers), once the worker runs. */
  notifier: () => Notifier | undefined;
}

/**
 * `POST /api/detect` runs a replay in the instance that owns the store (the CLI's `detect` while
 * `start` runs); `GET /api/detect/progress?id=` tells how far one has come.
 */
export function detectApiRoutes(deps: DetectApiDeps): ApiRoute[] {
  const running = new Map<string, ReplayProgress>();
  return [
    apiRoute(API.detect, async ({ body, req }, store) => {
      // A replay over weeks runs for minutes with no byte on the socket; the listener's idle
      // timeout (collector.connection_timeout_ms) would cut it. The CLI bounds the wait itself.
      req.raw.setTimeout(0);
      const request = detectRequest({
        from: new Date(body.from).toISOString(),
        to: new Date(body.to).toISOString(),
        step: `${body.step}ms`,
        notify: body.notify,
        record: body.record,
        lookback: body.lookback === undefined ? undefined : `${body.lookback}ms`,
      });
      const notifier = request.notify ? deps.notifier() : undefined;
      if (request.notify && !notifier) throw new ConfigError('the running egresswatch is still starting its worker; try again in a few seconds');
      const id = body.progressId;
      try {
        return await replayDetection(store, deps.config(), {
          fromMs: request.from,
          toMs: request.to,
          stepMs: request.step,
          maxLookbackMs: request.lookback,
          record: request.record ? { replayId: request.record } : undefined,
          notifier,
          onProgress: id ? (p) => running.set(id, p) : undefined,
        });
      } finally {
        if (id) running.delete(id);
      }
    }),
    apiRoute(API.detectProgress, async ({ query }) => {
      const progress = running.get(query.id);
      return progress ? { progress } : {};
    }),
  ];
}
