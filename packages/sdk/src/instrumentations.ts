import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation, type UndiciInstrumentationConfig } from '@opentelemetry/instrumentation-undici';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { EgressSpanProcessor } from './egress-span-processor.js';
import { sendsToken, watchExports } from './export-watch.js';
import { egressHttpHooks } from './http-hooks.js';
import { resolveCaptureSettings, type EgressCaptureOptions } from './settings.js';
import { ShapeSampler } from './shape-sampler.js';
import { egressUndiciHooks } from './undici-hooks.js';

export interface EgressComponentOptions extends EgressCaptureOptions {
  /** Also create SERVER spans for incoming requests (gives egress spans a parent). Default false. */
  traceIncoming?: boolean;
}

/** The pieces egresswatch adds to an OpenTelemetry Node setup. */
export interface EgressComponents {
  /** HTTP (node:http/https) and undici (fetch) instrumentations with the egress hooks. */
  instrumentations: Instrumentation[];
  /** Must be in the tracer provider's `spanProcessors` for the hooks' captures to reach spans. */
  spanProcessor: EgressSpanProcessor;
  /** The hook config alone, to spread into an HttpInstrumentation you construct yourself. */
  httpConfig: HttpInstrumentationConfig;
  /** The hook config alone, to spread into an UndiciInstrumentation you construct yourself. */
  undiciConfig: UndiciInstrumentationConfig;
  /**
   * Your span exporter, saying when the collector refuses spans (401/403: `EW_EXPORT_REFUSED`)
   * or cannot be reached (`EW_COLLECTOR_UNREACHABLE`) as an `EgressWatchWarning`; without it a
   * service with a missing or wrong ingest token loses every span in silence. Pass the
   * `headers` you gave the exporter, so the warning can tell a wrong token from none.
   */
  watchExporter(exporter: SpanExporter, options?: { headers?: Record<string, string> | undefined }): SpanExporter;
}

/**
 * Everything needed to add egress capture to a service that already runs `NodeSDK`:
 *
 * ```ts
 * const egress = createEgressComponents({ collectorUrl: 'http://collector:4318' });
 * new NodeSDK({
 *   instrumentations: [...egress.instrumentations, ...yourOthers],
 *   spanProcessors: [egress.spanProcessor, new BatchSpanProcessor(egress.watchExporter(new OTLPTraceExporter()))],
 * }).start();
 * ```
 *
 * If you already configure HttpInstrumentation/UndiciInstrumentation, spread `httpConfig` /
 * `undiciConfig` into their options instead of using `instrumentations` (your own hooks of the
 * same names would be replaced; call ours from yours if you need both).
 */
export function createEgressComponents(options: EgressComponentOptions = {}): EgressComponents {
  const settings = resolveCaptureSettings(options);
  const sampler = new ShapeSampler(settings.sampleEvery);
  const httpConfig: HttpInstrumentationConfig = {
    ...egressHttpHooks(settings, sampler),
    disableIncomingRequestInstrumentation: options.traceIncoming !== true,
  };
  const undiciConfig: UndiciInstrumentationConfig = egressUndiciHooks(settings, sampler);
  return {
    instrumentations: [new HttpInstrumentation(httpConfig), new UndiciInstrumentation(undiciConfig)],
    spanProcessor: new EgressSpanProcessor(settings),
    httpConfig,
    undiciConfig,
    watchExporter: (exporter, watch) => watchExports(exporter, { url: options.collectorUrl, sendsToken: sendsToken(watch?.headers) }),
  };
}
