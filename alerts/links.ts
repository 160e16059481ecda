import type { Config } from '../common/config/index.js';
import { ownEntry } from '../common/config/own-entry.js';
import type { AlertKind } from '../common/types.js';

/** Where an alert's links point. */
export interface AlertLinks {
  runbookUrl(vendor: string, kind: AlertKind): string;
  /** The Grafana vendor dashboard, or undefined when no template is configured. */
  dashboardUrl(vendor: string, service: string): string | undefined;
  /** `externalURL` of webhook payloads. */
  externalUrl: string;
}

/**
 * Resolves runbook and dashboard links from config: `<runbook_base_url>/runbooks/<kind>`, or the
 * vendor's `runbooks.<kind>` override; the default base is the collector's own address.
 */
export function alertLinks(config: Pick<Config, 'alerts' | 'vendors' | 'collector'>): AlertLinks {
  const host = config.collector.host === '0.0.0.0' || config.collector.host === '::' ? '127.0.0.1' : config.collector.host;
  const base = trimSlash(config.alerts.runbook_base_url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.collector.port}`);
  const template = config.alerts.dashboard_url_template;
  return {
    runbookUrl: (vendor, kind) => (ownEntry(config.vendors, vendor)?.runbooks ?? {})[kind] ?? `${base}/runbooks/${kind}`,
    dashboardUrl: (vendor, service) =>
      template ? template.replaceAll('{vendor}', uriComponent(vendor)).replaceAll('{service}', uriComponent(service)) : undefined,
    externalUrl: trimSlash(config.alerts.external_url ?? base),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** encodeURIComponent throws on a lone surrogate, which OTLP/JSON can carry: such a name is written with U+FFFD. */
function uriComponent(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}
