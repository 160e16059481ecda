import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked } from 'marked';
import { packageRoot } from '../common/package-root.js';
import { ALERT_KINDS, type AlertKind } from '../common/types.js';

const cache = new Map<string, string>();

/** Options of the served page. */
export interface RunbookPageOptions {
  /** Grafana (or console) URL shown as "Dashboards" under the title; e.g. the vendor dashboard without a vendor. */
  dashboardUrl?: string | undefined;
}

/** Whether `kind` names a bundled runbook. */
export function isRunbookKind(kind: string): kind is AlertKind {
  return (ALERT_KINDS as readonly string[]).includes(kind);
}

/** The markdown of the bundled runbook for a kind (alerts/runbooks/<kind>.md). */
export function runbookMarkdown(kind: AlertKind): string {
  return readFileSync(join(packageRoot(), 'alerts', 'runbooks', `${kind}.md`), 'utf8');
}

/**
 * The runbook of a kind as a complete HTML page, or undefined for an unknown kind (the caller
 * answers 404). The markdown is ours, bundled, so rendering it as HTML is safe.
 */
export function renderRunbook(kind: string, options: RunbookPageOptions = {}): string | undefined {
  if (!isRunbookKind(kind)) return undefined;
  const key = `${kind}\u0000${options.dashboardUrl ?? ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let body = marked.parse(runbookMarkdown(kind), { async: false, gfm: true });
  if (options.dashboardUrl) {
    const href = escapeAttribute(options.dashboardUrl);
    body = body.replace('</h1>', `</h1>\n<p>Dashboards: <a href="${href}">${href}</a></p>`);
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>egresswatch runbook: ${kind}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
pre{background:#f3f4f6;padding:.75rem;overflow-x:auto;border-radius:4px}code{font-size:.9em}h1{font-size:1.5rem}</style>
</head><body>
${body}
<hr><p><small>egresswatch runbooks: ${ALERT_KINDS.map((k) => `<a href="./${k}">${k}</a>`).join(' · ')}</small></p>
</body></html>
`;
  cache.set(key, html);
  return html;
}

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
