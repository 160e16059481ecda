import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** What a failed export says about the collector, read from the exporter's error. */
export type ExportFailure = { kind: 'refused'; status: number } | { kind: 'unreachable'; code: string } | { kind: 'other' };

/** Options of {@link watchExports}. */
export interface ExportWatchOptions {
  /**
   * The OTLP traces URL, named in the warnings (user and password, query and fragment left out).
   * Without it the warnings say "the collector" (an exporter does not tell its URL).
   */
  url?: string | undefined;
  /** Whether the exporter sends an `authorization` header: the fix differs between none and a wrong one. */
  sendsToken: boolean;
  /**
   * Least time between two refused-export warnings. Default 5 minutes: a token that comes and
   * goes (a rotation) is said again, a collector refusing every 5 s batch is not said 60 times
   * an hour.
   */
  refusedRepeatMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /** Where warnings go. Default process.emitWarning as `EgressWatchWarning`. */
  warn?: (message: string, code: string) => void;
}

/**
 * The exporter, saying when the collector refuses its spans or cannot be reached. Without this
 * a service with no (or a wrong) ingest token loses every span and nothing in the service says
 * so; OpenTelemetry only reports through `diag`, which is off unless someone installs a logger.
 *
 * - 401/403: one `EW_EXPORT_REFUSED` warning; again only after an export has succeeded since and
 *   at least `refusedRepeatMs` after the last one.
 * - connection refused, unknown host, host unreachable: one `EW_COLLECTOR_UNREACHABLE` warning
 *   for the life of the exporter (a collector that starts after the service is common and fine).
 *
 * The result reaches the BatchSpanProcessor unchanged; nothing here throws into the app.
 */
export function watchExports(exporter: SpanExporter, options: ExportWatchOptions): SpanExporter {
  const now = options.now ?? Date.now;
  const warn = options.warn ?? emitWarning;
  const repeatMs = options.refusedRepeatMs ?? 5 * 60_000;
  const where = options.url === undefined ? '(its configured endpoint)' : safeUrl(options.url);
  let refusedArmed = true;
  let lastRefusedAt = -Infinity;
  let unreachableSaid = false;

  const observe = (result: ExportResult): void => {
    // 0 is ExportResultCode.SUCCESS (@opentelemetry/core is not a direct dependency).
    if (result.code === 0) {
      refusedArmed = true;
      return;
    }
    const failure = exportFailureOf(result.error);
    if (failure.kind === 'refused' && refusedArmed && now() - lastRefusedAt >= repeatMs) {
      refusedArmed = false;
      lastRefusedAt = now();
      warn(refusedMessage(where, failure.status, options.sendsToken), 'EW_EXPORT_REFUSED');
    } else if (failure.kind === 'unreachable' && !unreachableSaid) {
      unreachableSaid = true;
      warn(
        `egresswatch: cannot reach the collector at ${where} (${failure.code}); spans are dropped until it answers. ` +
          'Check OTEL_EXPORTER_OTLP_ENDPOINT (or the endpoint option) and that the collector is running. Said once.',
        'EW_COLLECTOR_UNREACHABLE',
      );
    }
  };

  const watched: SpanExporter = {
    export(spans, resultCallback) {
      exporter.export(spans, (result) => {
        try {
          observe(result);
        } catch {
          // A warning is advice; the export result must reach the processor whatever happens.
        }
        resultCallback(result);
      });
    },
    shutdown: () => exporter.shutdown(),
  };
  if (exporter.forceFlush) watched.forceFlush = () => exporter.forceFlush?.() ?? Promise.resolve();
  return watched;
}

/**
 * OTLPExporterError carries the HTTP status as a numeric `code`; network errors carry Node's
 * string `code` (a happy-eyeballs AggregateError too, and on its members).
 */
export function exportFailureOf(error: unknown): ExportFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 401 || code === 403) return { kind: 'refused', status: code };
  const network = typeof code === 'string' ? code : networkCodeOf((error as { errors?: unknown } | undefined)?.errors);
  if (network !== undefined && UNREACHABLE.has(network)) return { kind: 'unreachable', code: network };
  return { kind: 'other' };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function networkCodeOf(errors: unknown): string | undefined {
  if (!Array.isArray(errors)) return undefined;
  const code = (errors[0] as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function refusedMessage(where: string, status: number, sendsToken: boolean): string {
  const what = sendsToken ? 'the ingest token sent was not accepted' : 'no ingest token was sent';
  return (
    `egresswatch: the collector at ${where} refused spans with HTTP ${status} (${what}); these spans are lost. ` +
    'Set OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token> (or the headers option: { authorization: "Bearer <token>" }) ' +
    'with a token the collector accepts. Said again only if exports recover and are refused again (at most every 5 minutes).'
  );
}

// A URL can carry a password or a token in its query; the warning names the collector only.
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(the configured endpoint)';
  }
}

/**
 * Whether exports carry an `authorization` header: in `headers`, or in the
 * OTEL_EXPORTER_OTLP_*HEADERS variables the OTLP exporter merges into them itself.
 */
export function sendsToken(headers: Record<string, string> | undefined): boolean {
  if (Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'authorization')) return true;
  const env = `${process.env['OTEL_EXPORTER_OTLP_HEADERS'] ?? ''},${process.env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] ?? ''}`;
  return /(^|,)\s*authorization\s*=/i.test(env);
}

function emitWarning(message: string, code: string): void {
  process.emitWarning(message, { type: 'EgressWatchWarning', code });
}
