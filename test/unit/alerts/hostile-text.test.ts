import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { alertFingerprint } from '../../../alerts/fingerprint.js';
import { alertmanagerGroupKey, goQuote } from '../../../alerts/group-key.js';
import { toAlert } from '../../../alerts/lifecycle.js';
import { pagerDutyEvents } from '../../../alerts/pagerduty.js';
import type { ResolvedReceiver } from '../../../alerts/receivers-config.js';
import { planNotifications, type NotificationJob } from '../../../alerts/routing.js';
import { sendSlack, slackMessage, type SlackMessage } from '../../../alerts/slack.js';
import { alertmanagerPayload } from '../../../alerts/webhook.js';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../common/errors.js';
import type { Alert, AlertKind } from '../../../common/types.js';
import { T0, testConfig } from './fixtures.js';

// Everything an alert says about a call comes from whoever can send spans to the collector.
const ESC = '\x1b]0;pwned\x07\x1b[2J';
const HOSTILE = {
  vendor: `stripe<!channel>${ESC}\u202e`,
  service: 'checkout<https://evil.example|re-auth>',
  route: 'POST /v1/*bold* _it_ ~gone~ `x` ```y```',
  field: 'card"num\\ber\0\x9b',
};
const MEGABYTE = '😀'.repeat(512 * 1024);

const links = lifecycleOptions(testConfig({ dashboard_url_template: 'http://grafana.local/d/ew-vendor?var-vendor={vendor}' })).links;

function hostileAlert(overrides: Partial<typeof HOSTILE> & { summary?: string; kind?: AlertKind } = {}): Alert {
  const names = { ...HOSTILE, ...overrides };
  const id = { kind: overrides.kind ?? ('schema_drift' as const), vendor: names.vendor, service: names.service, route: names.route, field: names.field };
  return toAlert(
    {
      ...id,
      fingerprint: alertFingerprint(id),
      phase: 'firing',
      heldSteps: 1,
      quietSteps: 0,
      startsAtMs: T0,
      lastNotifiedMs: T0,
      notifiedSeverity: undefined,
      severity: 'critical',
      summary: overrides.summary ?? `new request field ${names.field} on ${names.vendor} ${names.route} <!here> & <@U024BE7LH>`,
      value: 1,
      details: { added: `${names.field}:string,<!channel>:string`, removed: '' },
    },
    'firing',
    T0 + 600_000,
    links,
  );
}

const receivers: ResolvedReceiver[] = [
  { name: 'slack', type: 'slack', url: 'http://127.0.0.1:1/slack' },
  { name: 'pd', type: 'pagerduty', url: 'http://127.0.0.1:1/pd', routingKey: 'R0UTINGKEY0000000000000000000000' },
  { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: undefined },
];

/** The job the real router makes for this receiver. */
function jobFor(receiver: string, alerts: Alert[]): NotificationJob {
  const { jobs } = planNotifications(alerts, T0 + 60_000, { receivers, routes: [], silences: [], groupIntervalMs: 300_000 });
  const job = jobs.find((j) => j.receiver === receiver);
  if (!job) throw new Error(`no job for ${receiver}`);
  return job;
}

/** Every string in a JSON value, with the key it sits under. */
function strings(value: unknown, key = ''): { key: string; text: string }[] {
  if (typeof value === 'string') return [{ key, text: value }];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, k));
  return [];
}

/** Text objects of a Block Kit message (anything with `type` and `text`), plus the top-level text as mrkdwn. */
function textObjects(message: SlackMessage): { type: string; text: string; emoji?: boolean }[] {
  const out: { type: string; text: string; emoji?: boolean }[] = [{ type: 'mrkdwn', text: message.text }];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o['type'] === 'plain_text' || o['type'] === 'mrkdwn') && typeof o['text'] === 'string') out.push(o as { type: string; text: string });
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return out;
}

const ACTING = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** The text object of block `i` (header or section). */
function blockText(message: SlackMessage, i: number): { type: string; text: string; emoji?: boolean } {
  return (message.blocks[i] as unknown as { text: { type: string; text: string; emoji?: boolean } }).text;
}

describe('Slack message from hostile span text', () => {
  const alert = hostileAlert();
  const message = slackMessage(jobFor('slack', [alert]));

  it('escapes & < > in the top-level text and in every text object: no mention, no disguised link', () => {
    for (const { type, text } of textObjects(message)) {
      expect(text, type).not.toMatch(/[<>]/);
      expect(text.replace(/&(amp|lt|gt);/g, ''), type).not.toContain('&');
    }
    expect(message.text).toContain('&lt;!channel&gt;');
    const section = blockText(message, 1).text;
    expect(section).toContain('checkout&lt;https://evil.example|re-auth&gt;');
    expect(section).toContain('&lt;!here&gt; &amp; &lt;@U024BE7LH&gt;');
  });

  it('puts hostile text only where mrkdwn cannot format it; in mrkdwn, formatting characters are look-alikes', () => {
    const objects = textObjects(message);
    // The alert's own text is in plain_text objects, emoji shortcodes off; the header needs them for our icon.
    const section = blockText(message, 1);
    expect(section).toMatchObject({ type: 'plain_text', emoji: false });
    expect(section.text).toContain('POST /v1/*bold* _it_ ~gone~ `x` ```y```');
    for (const { type, text } of objects.filter((o) => o.type === 'mrkdwn')) {
      // Ours: the kind in the top-level text, the fingerprint's code span in the context line.
      const own = text.replace('schema_drift', '').replace(`\`${alert.fingerprint}\``, '');
      expect(own, type).not.toMatch(/[*_~`]/);
    }
    expect(message.text).toContain('∗bold∗ ˍitˍ ∼gone∼ ˋxˋ');
    const header = blockText(message, 0);
    expect(header.emoji).toBe(true);
    expect(header.text.split(' · ').at(-1)).not.toContain(':');
  });

  it('shows ESC, NUL, C1 and bidi overrides as escapes, keeping only its own line breaks', () => {
    for (const { type, text } of textObjects(message)) expect(text.replaceAll('\n', ''), type).not.toMatch(ACTING);
    expect(message.text).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\u202e');
    const section = blockText(message, 1).text;
    expect(section).toContain('card"num\\ber\\x00\\x9b');
    expect(section.split('\n')[0]).toMatch(/^new request field/);
  });

  it('stays within Slack limits for a 1 MB name, without splitting a character or an entity', () => {
    const big = slackMessage(jobFor('slack', [hostileAlert({ vendor: MEGABYTE, route: `/${'<&>'.repeat(400_000)}` })]));
    const header = blockText(big, 0).text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(big.text.length).toBeLessThanOrEqual(3000);
    for (const { text } of textObjects(big)) {
      expect(text.length).toBeLessThanOrEqual(3000);
      expect(text).not.toMatch(/\p{Cs}/u);
      expect(text).not.toMatch(/&[a-z]{0,3}…/);
    }
    // The dashboard link would embed the megabyte: the button is left out rather than the message refused.
    const buttons = (big.blocks[3] as unknown as { elements: { url: string }[] }).elements;
    expect(buttons.map((b) => b.url.length <= 3000)).toEqual([true]);
  });
});

describe('Slack webhook request', () => {
  let server: Server;
  let url = '';
  const bodies: string[] = [];
  let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: 'ok' };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(answer.status, { 'content-type': 'text/html', ...(answer.headers ?? {}) });
        res.end(answer.body);
      });
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('carries only Slack message fields: text and blocks, no transport options such as timeout', async () => {
    const message = slackMessage(jobFor('slack', [hostileAlert()]));
    answer = { status: 200, body: 'ok' };
    await expect(sendSlack('slack', url, message, 5_000)).resolves.toBe(200);
    const sent = JSON.parse(bodies.at(-1)!) as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(['blocks', 'text']);
    expect(sent).toEqual(JSON.parse(JSON.stringify(message)));
  });

  it("maps Slack's answers: invalid_payload is permanent, rate_limited is retried after Retry-After", async () => {
    const message = slackMessage(jobFor('slack', [hostileAlert()]));
    answer = { status: 400, body: 'invalid_payload' };
    const refused = await sendSlack('slack', url, message, 5_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect((refused as Error).message).toBe('slack: HTTP 400: invalid_payload');
    expect((refused as Error).message).not.toContain(url);
    answer = { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' };
    const limited = await sendSlack('slack', url, message, 5_000).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryableDeliveryError);
    expect((limited as RetryableDeliveryError).retryAfterMs).toBe(30_000);
  });
});

/** Reads a Go %q string at `at`; returns the value and where it ended. */
function readGoQuoted(text: string, at: number): { value: string; end: number } {
  if (text[at] !== '"') throw new Error(`expected " at ${at} in ${text}`);
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };
  let value = '';
  let i = at + 1;
  while (text[i] !== '"') {
    if (i >= text.length) throw new Error(`unterminated string in ${text}`);
    if (text[i] !== '\\') {
      const cp = text.codePointAt(i)!;
      value += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const c = text[i + 1]!;
    const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (width > 0) value += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + width), 16));
    else if (simple[c] !== undefined) value += simple[c];
    else throw new Error(`bad escape \\${c} in ${text}`);
    i += 2 + width;
  }
  return { value, end: i + 1 };
}

/** `{}:{a="x",b="y"}` back into labels; throws when the key is not well formed. */
function parseGroupKey(key: string): Record<string, string> {
  if (!key.startsWith('{}:{') || !key.endsWith('}')) throw new Error(`not a group key: ${key}`);
  const labels: Record<string, string> = {};
  let i = 4;
  while (key[i] !== '}') {
    const eq = key.indexOf('=', i);
    const name = key.slice(i, eq);
    const { value, end } = readGoQuoted(key, eq + 1);
    labels[name] = value;
    i = key[end] === ',' ? end + 1 : end;
  }
  if (i !== key.length - 1) throw new Error(`trailing text in ${key}`);
  return labels;
}

describe('Alertmanager webhook from hostile span text', () => {
  it('is plain JSON that round-trips every label value exactly', () => {
    const alert = hostileAlert();
    const payload = alertmanagerPayload(jobFor('hook', [alert]), 'http://127.0.0.1:4318');
    const parsed = JSON.parse(JSON.stringify(payload)) as typeof payload;
    expect(parsed).toEqual(payload);
    expect(parsed.alerts[0]!.labels).toMatchObject({ vendor: HOSTILE.vendor, service: HOSTILE.service, route: HOSTILE.route, field: HOSTILE.field });
    expect(parsed.groupLabels).toEqual({ vendor: HOSTILE.vendor, kind: 'schema_drift' });
  });

  it('gives a groupKey that parses back to exactly the group labels, for quotes, backslashes and controls', () => {
    for (const vendor of [HOSTILE.vendor, 'a"b', 'a\\', 'x",vendor="y', 'tab\there', '😀\u00a0', '']) {
      const payload = alertmanagerPayload(jobFor('hook', [hostileAlert({ vendor })]), 'http://127.0.0.1:4318');
      expect(parseGroupKey(payload.groupKey), JSON.stringify(vendor)).toEqual({ kind: 'schema_drift', vendor });
    }
    expect(alertmanagerPayload(jobFor('hook', [hostileAlert({ vendor: 'stripe' })]), 'x').groupKey).toBe('{}:{kind="schema_drift",vendor="stripe"}');
  });

  it('never gives two different label sets the same groupKey', () => {
    const sets: Record<string, string>[] = [
      { kind: 'x",vendor="y', vendor: 'z' },
      { kind: 'x', vendor: 'y",vendor="z' },
      { kind: 'a\\', vendor: 'b' },
      { kind: 'a', vendor: '\\b' },
      { kind: 'a\\"', vendor: 'b' },
      { kind: 'a', vendor: 'b\n' },
      { kind: 'a', vendor: 'b\\n' },
      { kind: 'a', vendor: 'b\x1b' },
      { kind: 'a', vendor: 'b\\x1b' },
      { kind: 'a', vendor: '\ud800' },
      { kind: 'a', vendor: '\\ud800' },
    ];
    const keys = sets.map(alertmanagerGroupKey);
    expect(new Set(keys).size).toBe(sets.length);
    sets.forEach((labels, i) => expect(parseGroupKey(keys[i]!)).toEqual(labels));
  });

  it('quotes values as Go %q does', () => {
    expect(goQuote('a"b\\c\n\x1b\x7f\u202e\u00a0é😀\u{e0041}')).toBe('"a\\"b\\\\c\\n\\x1b\\x7f\\u202e\\u00a0é😀\\U000e0041"');
  });
});

describe('PagerDuty event from hostile span text', () => {
  it('has no control or bidi characters in any field, and stays within Events API limits', () => {
    const alert = hostileAlert({ vendor: `${HOSTILE.vendor}${MEGABYTE}`, service: `${ESC}${MEGABYTE}`, summary: `${ESC}${MEGABYTE}` });
    const inhibited = Array.from({ length: 60 }, (_, i) => ({ ...hostileAlert({ kind: 'bytes_spike', field: `f${i}` }), vendor: alert.vendor, service: alert.service }));
    const job = { ...jobFor('pd', [alert]), inhibited };
    const [event] = pagerDutyEvents(job, 'R0UTINGKEY0000000000000000000000', 'http://127.0.0.1:4318');
    const payload = event!.payload!;
    expect(payload.summary.length).toBeLessThanOrEqual(1024);
    expect(payload.summary.endsWith('…')).toBe(true);
    expect(payload.summary.startsWith('[stripe<!channel>\\x1b]0;pwned\\x07\\x1b[2J\\u202e')).toBe(true);
    for (const key of ['source', 'component', 'group', 'class'] as const) expect(payload[key].length, key).toBeLessThanOrEqual(255);
    for (const { key, text } of strings(event)) {
      expect(text, key).not.toMatch(ACTING);
      expect(text.length, key).toBeLessThanOrEqual(1024);
    }
    // Events API payloads are limited to 512 KB; an event over it is refused and nobody is paged.
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(64 * 1024);
  });

  it('keeps ordinary names exactly', () => {
    const [event] = pagerDutyEvents(jobFor('pd', [hostileAlert({ vendor: 'stripe', service: 'checkout', route: 'POST /v1/customers', field: 'card.number', summary: 'new request field card.number' })]), 'K', 'x');
    expect(event!.payload).toMatchObject({ summary: '[stripe] new request field card.number', source: 'checkout → stripe', component: 'stripe', group: 'checkout' });
    expect(event!.payload!.custom_details).toMatchObject({ vendor: 'stripe', route: 'POST /v1/customers', field: 'card.number', added: 'card.number:string,<!channel>:string' });
  });
});
