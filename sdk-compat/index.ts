/**
 * `egresswatch/sdk`, kept for services that installed the server package to use the SDK. The
 * SDK now ships alone as `@egresswatch/sdk` (packages/sdk), which installs without chDB, BullMQ
 * or Fastify; new services should depend on that. Every name is the SDK's own object, so mixing
 * both import paths in one process still starts one pipeline.
 */
export {
  ConfigError,
  EGRESS_ATTR,
  EgressSpanProcessor,
  classifyValue,
  createEgressComponents,
  extractShape,
  flushOnExit,
  optionsFromEnv,
  redactUrl,
  shapeHash,
  startEgressWatch,
  templatePath,
  tracesUrlOf,
} from '@egresswatch/sdk';
export type {
  BodyShape,
  CustomPiiClass,
  EgressCaptureOptions,
  EgressComponentOptions,
  EgressComponents,
  EgressWatchHandle,
  EgressWatchOptions,
  PiiMatch,
  PiiOptions,
  ShapeLimits,
  ShapeOptions,
} from '@egresswatch/sdk';
