import { createRequire, syncBuiltinESMExports } from 'node:module';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetector, hostDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from './config-error.js';
import { flushOnExit } from './exit-flush.js';
import { createEgressComponents, type EgressComponentOptions } from './instrumentations.js';

/** Options of {@link startEgressWatch}. */
export interface EgressWatchOptions extends Omit<EgressComponentOptions, 'collectorUrl'> {
  /** `service.name` of the resource. Required. */
  serviceName: string;
  /**
   * The collector: a base URL (`http://127.0.0.1:4318`, `/v1/traces` is appended) or the full
   * OTLP traces URL. Default `http://127.0.0.1:4318`.
   */
  endpoint?: string;
  /** The full OTLP traces URL, used as is (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); wins over `endpoint`. */
  tracesEndpoint?: string;
  /** Headers sent with every export (e.g. `{ authorization: 'Bearer <ingest token>' }`). Default none. */
  headers?: Record<string, string>;
  /**
   * OTLP encoding: `http/protobuf` (the OTLP default, about half the bytes of JSON for shape
   * attributes) or `http/json`. Default `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, then
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, then 'http/protobuf'.
   */
  protocol?: 'http/protobuf' | 'http/json';
  /** `deployment.environment.name`. Default none. */
  environment?: string;
  /** More resource attributes. `OTEL_RESOURCE_ATTRIBUTES` is read too. Default none. */
  resourceAttributes?: Record<string, string>;
  /** Fraction of traces recorded, in [0, 1] (parent-based ratio sampler). Default 1. */
  sampling?: number;
  /** Flush on `beforeExit`, SIGTERM and SIGINT (see flushOnExit). Default true. */
  flushOnExit?: boolean;
}

/** A running egresswatch SDK. */
export interface EgressWatchHandle {
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops instrumentation and exporting. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry's NodeSDK with egresswatch's HTTP/fetch instrumentation and span
 * processor, exporting OTLP/HTTP to the collector. Call it before the application makes calls
 * (first thing in the entry point). For services that already run NodeSDK see
 * `createEgressComponents`.
 */
export function startEgressWatch(options: EgressWatchOptions): EgressWatchHandle {
  // `--import @egresswatch/sdk/register` plus a programmatic start would instrument every call
  // twice; the second start returns the first handle.
  const running = (globalThis as Record<symbol, EgressWatchHandle | undefined>)[RUNNING];
  if (running) return running;
  if (!options.serviceName) throw new ConfigError('startEgressWatch: serviceName is required (the name your service shows up under)');
  const sampling = options.sampling ?? 1;
  if (!(sampling >= 0 && sampling <= 1)) throw new ConfigError(`startEgressWatch: sampling must be between 0 and 1, got ${sampling}`);
  const tracesUrl = options.tracesEndpoint ?? tracesUrlOf(options.endpoint ?? 'http://127.0.0.1:4318');
  const egress = createEgressComponents({ ...options, collectorUrl: tracesUrl });
  const protocol =
    options.protocol ?? process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(`egresswatch: OTLP protocol must be 'http/protobuf' or 'http/json' (grpc is not supported), got '${protocol}'`);
  }
  const exporterConfig = { url: tracesUrl, headers: options.headers ?? {} };
  const otlpExporter = protocol === 'http/json' ? new OTLPJsonTraceExporter(exporterConfig) : new OTLPProtoTraceExporter(exporterConfig);
  const exporter = egress.watchExporter(otlpExporter, { headers: options.headers });
  const exportProcessor = new BatchSpanProcessor(exporter);
  const resourceAttributes: Record<string, string> = { ...options.resourceAttributes };
  if (options.environment) resourceAttributes['deployment.environment.name'] = options.environment;

  const sdk = new NodeSDK({
    // Applied after resource detection, so OTEL_RESOURCE_ATTRIBUTES cannot rename the service.
    serviceName: options.serviceName,
    resource: resourceFromAttributes(resourceAttributes),
    // Not the process detector: command-line arguments can carry secrets.
    resourceDetectors: [envDetector, hostDetector],
    sampler: new ParentBasedSampler({ root: sampling === 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(sampling) }),
    spanProcessors: [egress.spanProcessor, exportProcessor],
    instrumentations: egress.instrumentations,
    // The collector speaks traces only; NodeSDK would otherwise start OTLP metric and log
    // exporters from env defaults and hold shutdown up retrying them.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  patchBuiltinsNow();

  const removeExitHooks = options.flushOnExit === false ? () => {} : flushOnExit(() => exportProcessor.forceFlush());
  let stopping: Promise<void> | undefined;
  const handle: EgressWatchHandle = {
    forceFlush: () => exportProcessor.forceFlush(),
    shutdown: () => {
      removeExitHooks();
      (globalThis as Record<symbol, EgressWatchHandle | undefined>)[RUNNING] = undefined;
      return (stopping ??= sdk.shutdown());
    },
  };
  (globalThis as Record<symbol, EgressWatchHandle | undefined>)[RUNNING] = handle;
  return handle;
}

const RUNNING = Symbol.for('egresswatch.sdk.running');

/** `http://h:4318` → `http://h:4318/v1/traces`; a URL already ending in `/v1/traces` is kept. */
export function tracesUrlOf(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`egresswatch: endpoint '${endpoint}' is not a URL (expected e.g. http://127.0.0.1:4318)`);
  }
  if (url.pathname.endsWith('/v1/traces')) return url.toString();
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.toString();
}

/**
 * The http instrumentation patches `http`/`https` when they are next required; requiring them
 * here patches them now, and syncing the ESM facades makes `import { request } from 'node:http'`
 * see the patched functions too (ESM apps never call require).
 */
function patchBuiltinsNow(): void {
  const require = createRequire(import.meta.url);
  require('http');
  require('https');
  syncBuiltinESMExports();
}
