/**
 * @egresswatch/sdk: egress instrumentation for Node services on OpenTelemetry.
 *
 * - `startEgressWatch({ serviceName, endpoint })`: start everything (NodeSDK + exporter).
 * - `createEgressComponents()`: only the instrumentations and span processor, for services that
 *   already run NodeSDK.
 * - `node --import @egresswatch/sdk/register app.js`: zero-code, from OTEL_* env vars.
 */
export { startEgressWatch, tracesUrlOf } from './start.js';
export type { EgressWatchHandle, EgressWatchOptions } from './start.js';
export { createEgressComponents } from './instrumentations.js';
export type { EgressComponentOptions, EgressComponents } from './instrumentations.js';
export { EgressSpanProcessor } from './egress-span-processor.js';
export { EGRESS_ATTR } from './shared/wire-contract.js';
export { optionsFromEnv } from './env-options.js';
export { flushOnExit } from './exit-flush.js';
export { ConfigError } from './config-error.js';
export type { EgressCaptureOptions, PiiOptions, ShapeOptions } from './settings.js';
export type { CustomPiiClass, PiiMatch } from './pii-classifier.js';
export { classifyValue } from './pii-classifier.js';
export { extractShape } from './body-shape.js';
export type { BodyShape, ShapeLimits } from './body-shape.js';
export { redactUrl } from './url-redact.js';
export { templatePath } from './shared/route-template.js';
export { shapeHash } from './shape-hash.js';
