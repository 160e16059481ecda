import { z } from 'zod';
import { ALERT_KINDS, SEVERITIES } from '../types.js';
import { parseMatcher, unknownLabelError } from '../label-matchers.js';

/**
 * `alerts:` section of egresswatch.yaml. Owned by alerts/; every field has a default.
 * Secrets (Slack URL, PagerDuty routing key, webhook HMAC secret) may also come from env:
 * alerts/receivers-config.ts merges them in; they are never logged.
 */

const kindSchema = z.enum(ALERT_KINDS);
const severitySchema = z.enum(SEVERITIES);

/** Alert rule knobs for one kind; unset fields fall back to the kind's defaults (alerts/rules.ts). */
const ruleSchema = z
  .object({
    /** Consecutive steps a finding must hold before the alert fires (1 = at once). */
    for_steps: z.number().int().min(1).max(1440).optional(),
    /** Steps without the finding before a firing alert resolves. */
    resolve_after_steps: z.number().int().min(1).max(10_080).optional(),
    /** Overrides the detector's severity. */
    severity: severitySchema.optional(),
  })
  .strict();

const rulesByKindSchema = z.partialRecord(kindSchema, ruleSchema);

const receiverSchema = z
  .object({
    /** Unique name, used by routes and in metrics/logs. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'receiver names are lowercase: a-z 0-9 _ -'),
    type: z.enum(['slack', 'pagerduty', 'webhook']),
    /** Endpoint: Slack incoming-webhook URL, PagerDuty Events v2 URL, or the webhook URL. */
    url: z.string().url().optional(),
    /** PagerDuty integration (routing) key. */
    routing_key: z.string().min(1).optional(),
    /** Webhook HMAC-SHA256 secret; the signature goes in `X-Egresswatch-Signature`. */
    secret: z.string().min(1).optional(),
  })
  .strict();

/** A route matcher that would throw at delivery time, or silently never match, is a config error now. */
function checkMatcher(text: string, ctx: z.RefinementCtx): void {
  try {
    const problem = unknownLabelError(text, parseMatcher(text));
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
}

const routeSchema = z
  .object({
    /** Receiver name this route delivers to. */
    receiver: z.string().min(1),
    /** Severities delivered; default all. */
    severities: z.array(severitySchema).optional(),
    /** Vendors delivered; default all. */
    vendors: z.array(z.string().min(1)).optional(),
    /** Kinds delivered; default all. */
    kinds: z.array(kindSchema).optional(),
    /** Label matchers (`vendor=stripe`, `kind=~volume_.*`), all must match; checked at load (form, regex, label name). */
    match: z.array(z.string().min(3).superRefine(checkMatcher)).optional(),
  })
  .strict();

export const alertsConfigSchema = z
  .object({
    /** Base URL under which runbooks are linked (`<base>/runbooks/<kind>`); default: the collector's own address. */
    runbook_base_url: z.string().url().optional(),
    /** Grafana vendor dashboard, `{vendor}` and `{service}` are replaced; unset: no dashboard button. */
    dashboard_url_template: z.string().min(1).optional(),
    /** `externalURL` of webhook payloads and base of `generatorURL`; default: the runbook base. */
    external_url: z.string().url().optional(),
    /** A notification goes out this long after the step that caused it (Alertmanager default 30 s); replayed past steps go at once. */
    group_wait_seconds: z.number().min(0).max(3600).default(30),
    /** Group window (Alertmanager default 5 min): a state change of a group's alerts is sent once per window, whoever enqueues it. */
    group_interval_seconds: z.number().min(0.01).max(86_400).default(300),
    /** A still-firing alert is notified again after this long (Alertmanager default 4 h). */
    repeat_interval_seconds: z.number().min(1).max(30 * 86_400).default(4 * 3600),
    /** Alert rules per kind. */
    rules: rulesByKindSchema.default({}),
    /** Alert rules per vendor and kind; win over `rules`. */
    vendor_rules: z.record(z.string(), rulesByKindSchema).default({}),
    /** Receivers; env (SLACK_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY, EGRESSWATCH_WEBHOOK_URL) adds or completes one per type. */
    receivers: z.array(receiverSchema).default([]),
    /** Which receivers get what. Empty: every receiver gets everything, except PagerDuty: critical only. */
    routes: z.array(routeSchema).default([]),
    /** Delivery tries per notification before it finally fails. */
    delivery_attempts: z.number().int().min(1).max(50).default(8),
    /** First retry delay in ms; doubles per try. */
    delivery_backoff_ms: z.number().int().min(0).max(600_000).default(2_000),
    /** Longest wait between tries in ms, Retry-After included. */
    delivery_max_backoff_ms: z.number().int().min(1).max(3_600_000).default(300_000),
    /** HTTP timeout of one delivery in ms. */
    delivery_timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict()
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    value.receivers.forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `duplicate receiver name '${r.name}'` });
      names.add(r.name);
    });
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertRuleConfig = z.infer<typeof ruleSchema>;
export type ReceiverConfig = z.infer<typeof receiverSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
