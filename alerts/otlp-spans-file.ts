import { z } from 'zod';
import type { Config } from '../common/config/index.js';
import { ConfigError } from '../common/errors.js';
import { matchVendor, type VendorPattern } from '../common/vendor-catalog.js';
import type { PiiFlow } from '../storage/alert-policy-store.js';

/** OTLP/JSON AnyValue, the parts a span attribute of ours can hold. */
interface AnyValue {
  stringValue?: string | undefined;
  intValue?: string | number | undefined;
  arrayValue?: { values?: AnyValue[] | undefined } | undefined;
}
const anyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z
    .object({
      stringValue: z.string().optional(),
      intValue: z.union([z.string(), z.number()]).optional(),
      arrayValue: z.object({ values: z.array(anyValue).optional() }).loose().optional(),
    })
    .loose(),
);
const keyValues = z.array(z.object({ key: z.string(), value: anyValue.optional() }).loose()).optional();
const tracesData = z
  .object({
    resourceSpans: z
      .array(
        z
          .object({
            resource: z.object({ attributes: keyValues }).loose().optional(),
            scopeSpans: z.array(z.object({ spans: z.array(z.object({ attributes: keyValues }).loose()).optional() }).loose()).optional(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();

type Attrs = Map<string, AnyValue>;

/**
 * Request PII flows from a recorded OTLP/JSON export (one TracesData object, or one per line as
 * the Collector's file exporter writes). Vendor: `egress.vendor`, else the config vendors' host
 * patterns, else the built-in catalog (as the collector does), else the host itself.
 */
export function piiFlowsFromOtlpJson(text: string, vendors: Config['vendors'], source = 'spans file'): PiiFlow[] {
  const documents = parseDocuments(text, source);
  const patterns: VendorPattern[] = Object.entries(vendors).map(([vendor, v]) => ({ vendor, hosts: v.hosts }));
  const counts = new Map<string, PiiFlow>();
  documents.forEach((doc, index) => {
    const parsed = tracesData.safeParse(doc);
    if (!parsed.success) throw new ConfigError(`${source}: document ${index + 1} is not OTLP/JSON TracesData (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    for (const rs of parsed.data.resourceSpans) {
      const resource = toMap(rs.resource?.attributes);
      const service = str(resource, 'service.name') ?? 'unknown_service';
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          const attrs = toMap(span.attributes);
          const pii = strings(attrs, 'egress.request.pii');
          if (pii.length === 0) continue;
          const host = str(attrs, 'server.address') ?? str(attrs, 'net.peer.name') ?? hostOf(str(attrs, 'url.full') ?? str(attrs, 'http.url')) ?? '';
          const port = str(attrs, 'server.port');
          const vendor = str(attrs, 'egress.vendor') || matchVendor(host, patterns, port) || matchVendor(host, undefined, port) || host || 'unknown';
          const route = str(attrs, 'url.template') ?? str(attrs, 'http.route') ?? '';
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
    }
  });
  return [...counts.values()];
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

function toMap(kvs: { key: string; value?: AnyValue | undefined }[] | undefined): Attrs {
  const m: Attrs = new Map();
  for (const kv of kvs ?? []) if (kv.value) m.set(kv.key, kv.value);
  return m;
}

function str(attrs: Attrs, key: string): string | undefined {
  const v = attrs.get(key);
  if (v?.stringValue !== undefined) return v.stringValue;
  if (v?.intValue !== undefined) return String(v.intValue);
  return undefined;
}

function strings(attrs: Attrs, key: string): string[] {
  const v = attrs.get(key);
  if (!v) return [];
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => x.stringValue).filter((s): s is string => typeof s === 'string');
  return v.stringValue !== undefined ? [v.stringValue] : [];
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
