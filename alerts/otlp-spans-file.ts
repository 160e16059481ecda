import type { Config } from '../common/config/index.js';
import { destinationVendor } from '../common/destination-vendor.js';
import { ConfigError, DecodeError } from '../common/errors.js';
import { spansFromOtlpJson, type Attributes } from '../common/otlp-spans.js';
import { parseUrl } from '../common/url.js';
import type { VendorPattern } from '../common/vendor-catalog.js';
import type { PiiFlow } from '../storage/alert-policy-store.js';

/**
 * Request PII flows from a recorded OTLP/JSON export (one TracesData object, or one per line as
 * the Collector's file exporter writes), with vendors named as the collector names them.
 */
export function piiFlowsFromOtlpJson(text: string, vendors: Config['vendors'], source = 'spans file'): PiiFlow[] {
  const patterns: VendorPattern[] = Object.entries(vendors).map(([vendor, v]) => ({ vendor, hosts: v.hosts }));
  const counts = new Map<string, PiiFlow>();
  parseDocuments(text, source).forEach((doc, index) => {
    for (const { resource, spans } of decodeDocument(doc, `${source}: document ${index + 1}`)) {
      const service = str(resource, 'service.name') ?? 'unknown_service';
      for (const { attributes: a } of spans) {
        const pii = strings(a, 'egress.request.pii');
        if (pii.length === 0) continue;
        const host = str(a, 'server.address') ?? str(a, 'net.peer.name') ?? parseUrl(str(a, 'url.full') ?? str(a, 'http.url'))?.hostname;
        const vendor = host ? destinationVendor(host, str(a, 'server.port'), str(a, 'egress.vendor'), patterns) : (str(a, 'egress.vendor') ?? 'unknown');
        const route = str(a, 'url.template') ?? str(a, 'http.route') ?? '';
        for (const entry of pii) {
          const cut = entry.lastIndexOf(':');
          if (cut <= 0) continue;
          const flow = { vendor, service, route, field: entry.slice(0, cut), pii: entry.slice(cut + 1) };
          const key = JSON.stringify([flow.vendor, flow.service, flow.route, flow.field, flow.pii]);
          const seen = counts.get(key);
          if (seen) seen.calls++;
          else counts.set(key, { ...flow, calls: 1 });
        }
      }
    }
  });
  return [...counts.values()];
}

function decodeDocument(doc: unknown, where: string): ReturnType<typeof spansFromOtlpJson> {
  try {
    return spansFromOtlpJson(doc, `${where} is not OTLP/JSON TracesData`);
  } catch (err) {
    // A file given on the command line is input the user controls: a ConfigError, not a 400.
    if (err instanceof DecodeError) throw new ConfigError(err.message);
    throw err;
  }
}

function parseDocuments(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const whole: unknown = JSON.parse(trimmed);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    // JSON Lines (the OTel Collector file exporter): one TracesData per line.
    return trimmed.split('\n').filter((l) => l.trim() !== '').map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new ConfigError(`${source}: line ${i + 1} is not JSON; expected OTLP/JSON (TracesData, or one per line)`);
      }
    });
  }
}

function str(attrs: Attributes, key: string): string | undefined {
  const v = attrs.get(key);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function strings(attrs: Attributes, key: string): string[] {
  const v = attrs.get(key);
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  return typeof v === 'string' ? [v] : [];
}
