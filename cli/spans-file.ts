import type { Config } from '../common/config/index.js';
import { ConfigError, DecodeError } from '../common/errors.js';
import { countOf } from './count-text.js';
import { spansFromOtlpJson, type DecodedResourceSpans, type DecodedSpan } from '../common/otlp-spans.js';
import { normalizeSpan, type NormalizeOptions } from '../collector/normalize.js';
import type { PiiFlow } from '../storage/alert-policy-store.js';

/** What `policy check --spans` judges: the request PII flows of a recorded file, and what it held. */
export interface SpansFileFlows {
  flows: PiiFlow[];
  /** Spans in the file, of any kind. */
  spans: number;
  /** Outbound HTTP calls among them: the spans the collector would store. */
  egressCalls: number;
}

const HOW_TO_RECORD = 'record one with `egresswatch record --out FILE` (or the OTel Collector file exporter) while the tests run';

/**
 * The normaliser the collector runs, with what the gate needs of config: vendors and ignored
 * hosts as the collector has them, and no age limit (a recording is judged whenever CI runs it).
 */
function normalizeOptions(config: Pick<Config, 'vendors' | 'collector'>): NormalizeOptions {
  const ignore = config.collector.ignore_hosts;
  return {
    configVendors: Object.entries(config.vendors).map(([vendor, v]) => ({ vendor, hosts: v.hosts })),
    ignoreHosts: ignore.length > 0 ? [{ vendor: 'ignored', hosts: ignore }] : [],
    maxAgeMs: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Request PII flows from a recorded OTLP/JSON file (one TracesData, an array of them, or one per
 * line as `egresswatch record` and the Collector's file exporter write), named exactly as the
 * store names them: every span goes through the collector's `normalizeSpan` (vendor by config,
 * claim, catalog and registrable domain; route templated; field paths cleaned and redacted).
 *
 * A file that cannot be the recording of a test run is a ConfigError (exit 2), never a pass: not
 * JSON, not TracesData, no spans, or no outbound HTTP call among them. Ids and times, which name
 * nothing, are not required of hand-written files; kind CLIENT and an HTTP method are, as in the collector.
 */
export function piiFlowsFromSpansFile(text: string, config: Pick<Config, 'vendors' | 'collector'>, source = 'spans file'): SpansFileFlows {
  const options = normalizeOptions(config);
  const nowMs = Date.now();
  const counts = new Map<string, PiiFlow>();
  let spans = 0;
  let egressCalls = 0;
  parseDocuments(text, source).forEach((doc, index) => {
    for (const { resource, spans: list } of decodeDocument(doc, `${source}: document ${index + 1}`)) {
      for (const span of list) {
        spans++;
        const judged = normalizeSpan(withPlaceholders(span, nowMs), resource, options, nowMs);
        if (!('row' in judged)) continue;
        egressCalls++;
        const { vendor, service, route, request_pii: pii } = judged.row;
        for (const entry of pii) {
          const cut = entry.lastIndexOf(':');
          const flow = { vendor, service, route, field: entry.slice(0, cut), pii: entry.slice(cut + 1) };
          const key = JSON.stringify([flow.vendor, flow.service, flow.route, flow.field, flow.pii]);
          const seen = counts.get(key);
          if (seen) seen.calls++;
          else counts.set(key, { ...flow, calls: 1 });
        }
      }
    }
  });
  if (spans === 0) throw new ConfigError(`${source} holds no spans: nothing to judge; ${HOW_TO_RECORD}`);
  if (egressCalls === 0) {
    throw new ConfigError(
      `${source} holds ${countOf(spans, 'span')} but no outbound HTTP call (a CLIENT span with http.request.method): is the service under the egresswatch SDK or OTel HTTP instrumentation?`,
    );
  }
  return { flows: [...counts.values()], spans, egressCalls };
}

/** A hand-written span may leave out ids and times: they name nothing, so stand-ins let it be judged. */
function withPlaceholders(span: DecodedSpan, nowMs: number): DecodedSpan {
  const idsOk = span.traceId.length === 32 && span.spanId.length === 16 && !/^0+$/.test(span.traceId);
  const timeOk = span.startNs > 0n && span.endNs >= span.startNs;
  if (idsOk && timeOk) return span;
  const now = BigInt(nowMs) * 1_000_000n;
  return { ...span, traceId: idsOk ? span.traceId : '1'.padStart(32, '0'), spanId: idsOk ? span.spanId : '1'.padStart(16, '0'), startNs: timeOk ? span.startNs : now, endNs: timeOk ? span.endNs : now };
}

function decodeDocument(doc: unknown, where: string): DecodedResourceSpans[] {
  // `{}` or `{"not":"otlp"}` decode as TracesData without spans; a recording always has the field.
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray((doc as { resourceSpans?: unknown }).resourceSpans)) {
    throw new ConfigError(`${where} is not OTLP/JSON TracesData (no resourceSpans array); ${HOW_TO_RECORD}`);
  }
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
    // JSON Lines (egresswatch record, the OTel Collector file exporter): one TracesData per line.
    return trimmed
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new ConfigError(`${source}: line ${i + 1} is not JSON; expected OTLP/JSON (TracesData, or one per line)`);
        }
      });
  }
}
