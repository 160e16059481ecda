import type { Config } from '../common/config/index.js';
import { ownEntry } from '../common/config/own-entry.js';
import type { AlertKind } from '../common/types.js';

/** Where an alert's links point. */
export interface AlertLinks {
  runbookUrl(vendor: string, kind: AlertKind): string;
  /** The Grafana vendor dashboard, or undefined when no template is configured. */
  dashboardUrl(vendor: string, service: string): string | undefined;
  /** `externalURL` of webhook payloads, PagerDuty's `client_url`: the instance as its users reach it. */
  externalUrl: string;
}

/**
 * Resolves runbook and dashboard links from config. The base of runbook links, first set wins:
 * `alerts.runbook_base_url` (runbooks hosted elsewhere: the more specific setting), then
 * `alerts.external_url` (`EGRESSWATCH_EXTERNAL_URL`, the instance as its users reach it), then
 * the collector's configured address. `externalUrl` (webhook `externalURL`/`generatorURL`,
 * PagerDuty `client_url`) is `external_url`, else that same base. A process that knows the address it really listens on
 * (`start`, with `--port 0` or another host) passes its config through `withListenUrl` first.
 * A vendor's `runbooks.<kind>` override wins over all of them for that vendor and kind.
 */
export function alertLinks(config: Pick<Config, 'alerts' | 'vendors' | 'collector'>): AlertLinks {
  const base = linkBase(config).url;
  const template = config.alerts.dashboard_url_template;
  return {
    runbookUrl: (vendor, kind) => (ownEntry(config.vendors, vendor)?.runbooks ?? {})[kind] ?? `${base}/runbooks/${kind}`,
    dashboardUrl: (vendor, service) =>
      template ? template.replaceAll('{vendor}', uriComponent(vendor)).replaceAll('{service}', uriComponent(service)) : undefined,
    externalUrl: trimSlash(config.alerts.external_url ?? base),
  };
}

/** The base URL links are built on, and where it came from (for start-up messages). */
export interface LinkBase {
  url: string;
  /** `configured`: runbook_base_url or external_url; `listener`: the address this process listens on; `default`: the collector's configured address. */
  source: 'configured' | 'listener' | 'default';
  /** Set when the base only works on this machine although the listener takes other hosts (0.0.0.0, ::). */
  loopbackOnly: boolean;
}

/** See {@link alertLinks}: the base of runbook links and where it came from. */
export function linkBase(config: Pick<Config, 'alerts' | 'collector'>, listenUrl?: string): LinkBase {
  if (config.alerts.runbook_base_url) return { url: trimSlash(config.alerts.runbook_base_url), source: 'configured', loopbackOnly: false };
  return instanceUrl(config, listenUrl);
}

/**
 * The instance as its users reach it — for the console, the OTLP endpoint and the links of
 * webhook payloads: `alerts.external_url`, else the address listened on (`listenUrl`, or the
 * collector's configured one), with 0.0.0.0 / :: written as 127.0.0.1.
 */
export function instanceUrl(config: Pick<Config, 'alerts' | 'collector'>, listenUrl?: string): LinkBase {
  if (config.alerts.external_url) return { url: trimSlash(config.alerts.external_url), source: 'configured', loopbackOnly: false };
  if (listenUrl) {
    const { url, wildcard } = reachable(listenUrl);
    return { url, source: 'listener', loopbackOnly: wildcard };
  }
  const host = config.collector.host;
  const { url, wildcard } = reachable(`http://${host.includes(':') ? `[${host}]` : host}:${config.collector.port}`);
  return { url, source: 'default', loopbackOnly: wildcard };
}

/**
 * The config a process that listens at `listenUrl` links with: unless `alerts.external_url` is
 * set, the instance is where it really listens (the port `--port 0` picked, 127.0.0.1 for a
 * wildcard host), so runbook links, `generatorURL` and PagerDuty's `client_url` all answer.
 * `runbook_base_url`, when set, still wins for runbooks. Leaves `config` as it is.
 */
export function withListenUrl<C extends Pick<Config, 'alerts' | 'collector'>>(config: C, listenUrl: string): C {
  if (config.alerts.external_url) return config;
  return { ...config, alerts: { ...config.alerts, external_url: instanceUrl(config, listenUrl).url } };
}

/**
 * A listener on every interface (0.0.0.0, ::) has no address to link to: 127.0.0.1 at least works
 * on this machine, and the caller says that the links need EGRESSWATCH_EXTERNAL_URL elsewhere.
 */
function reachable(url: string): { url: string; wildcard: boolean } {
  const parsed = new URL(url);
  const wildcard = parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]';
  if (wildcard) parsed.hostname = '127.0.0.1';
  return { url: trimSlash(parsed.toString()), wildcard };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** encodeURIComponent throws on a lone surrogate, which OTLP/JSON can carry: such a name is written with U+FFFD. */
function uriComponent(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}
