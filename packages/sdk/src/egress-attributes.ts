import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { matchVendor } from './shared/vendor-catalog.js';
import { bodyKind, extractShape, type BodyShape } from './body-shape.js';
import type { SchemaTree } from './schema-tree.js';
import { ShapeMemo } from './shape-memo.js';
import type { BodyCapture } from './body-capture.js';
import type { CallCapture } from './call-capture.js';
import { templatePath } from './shared/route-template.js';
import { parseUrl } from './shared/url.js';
import { EGRESS_ATTR } from './shared/wire-contract.js';
import { shapeHash } from './shape-hash.js';
import { redactQuery, redactTarget, redactUrl } from './url-redact.js';
import type { ResolvedCaptureSettings } from './settings.js';

/**
 * A span's URL attributes as they may leave the process, for spans of any kind: no userinfo,
 * query values or fragment, paths templated (ids and secrets → `{id}`).
 */
export function redactedUrlAttributes(current: Attributes): Attributes {
  const out: Attributes = {};
  const urlFull = str(current['url.full']);
  const httpUrl = str(current['http.url']);
  const urlQuery = str(current['url.query']);
  const urlPath = str(current['url.path']);
  const httpTarget = str(current['http.target']);
  if (urlFull) out['url.full'] = redactUrl(urlFull);
  if (httpUrl) out['http.url'] = redactUrl(httpUrl);
  // Old semconv's path and query in one.
  if (httpTarget) out['http.target'] = redactTarget(httpTarget);
  if (urlQuery) out['url.query'] = redactQuery(urlQuery).slice(1);
  if (urlPath) out['url.path'] = templatePath(urlPath);
  return out;
}

/**
 * The attributes to set on a CLIENT span as it ends: redacted URL attributes, `url.template`
 * when the instrumentation did not know one, `egress.vendor`, body sizes and shapes. `current`
 * is the span's attributes so far. Pure apart from the CPU spent decoding bodies.
 */
export function egressAttributes(current: Attributes, capture: CallCapture | undefined, settings: ResolvedCaptureSettings): Attributes {
  const out = redactedUrlAttributes(current);
  const fullUrl = str(current['url.full']) ?? str(current['http.url']);
  const path = str(current['url.path']) ?? pathOf(fullUrl);
  let template = str(current['url.template']);
  if (path !== undefined && !template) out['url.template'] = template = templatePath(path);

  const host = str(current['server.address']) ?? str(current['net.peer.name']) ?? parseUrl(fullUrl)?.hostname;
  if (host && !current['egress.vendor']) {
    const port = current['server.port'] ?? current['net.peer.port'];
    const vendor = vendorOf(host, typeof port === 'number' || typeof port === 'string' ? port : undefined, settings);
    if (vendor) out[EGRESS_ATTR.vendor] = vendor;
  }
  if (!capture) return out;

  out['http.request.body.size'] = capture.request.size;
  out['http.response.body.size'] = capture.response.size;
  if (!capture.shapes) return out;
  const route = `${str(current['http.request.method']) ?? str(current['http.method']) ?? ''} ${host ?? ''}${template ?? ''}`;
  const memo = memoOf(settings);
  const requestTree = memo.tree(`${route} request`);
  const request = shapeOf(capture.request, capture.requestContentType, capture.requestEncoding, settings, requestTree);
  if (request) {
    out[EGRESS_ATTR.requestFields] = request.fields;
    out[EGRESS_ATTR.requestPii] = request.pii;
    // The tree keeps the hash of its last result, which is this one (copied) when the schema repeats.
    out[EGRESS_ATTR.shapeHash] = requestTree.lastHash ??= shapeHash(request.fields);
    if (request.truncated) out[EGRESS_ATTR.requestTruncated] = true;
  }
  const response = shapeOf(capture.response, capture.responseContentType, capture.responseEncoding, settings, memo.tree(`${route} response`));
  if (response) {
    out[EGRESS_ATTR.responseFields] = response.fields;
    out[EGRESS_ATTR.responsePii] = response.pii;
    if (response.truncated) out[EGRESS_ATTR.responseTruncated] = true;
  }
  return out;
}

function shapeOf(
  body: BodyCapture,
  contentType: string | undefined,
  contentEncoding: string | undefined,
  settings: ResolvedCaptureSettings,
  tree: SchemaTree,
): BodyShape | undefined {
  if (body.size === 0) return undefined;
  const decoded = body.text(contentEncoding, settings.maxBodyBytes);
  if (!decoded) return undefined;
  const kind = bodyKind(contentType, decoded.text.slice(0, 16));
  if (!kind) return undefined;
  return extractShape(decoded.text, kind, body.cut || decoded.cut, settings.limits, settings.classifier, tree);
}

const shapeMemos = new WeakMap<ResolvedCaptureSettings, ShapeMemo>();

function memoOf(settings: ResolvedCaptureSettings): ShapeMemo {
  let memo = shapeMemos.get(settings);
  if (!memo) shapeMemos.set(settings, (memo = new ShapeMemo(settings.limits, settings.classifier)));
  return memo;
}

// Destinations are few and fixed per service; the catalog scan runs once per host:port.
const vendorMemo = new WeakMap<ResolvedCaptureSettings, Map<string, string | undefined>>();

function vendorOf(host: string, port: number | string | undefined, settings: ResolvedCaptureSettings): string | undefined {
  let memo = vendorMemo.get(settings);
  if (!memo) vendorMemo.set(settings, (memo = new Map()));
  const key = `${host}:${port ?? ''}`;
  if (memo.has(key)) return memo.get(key);
  const vendor = matchVendor(host, settings.vendors, port);
  if (memo.size >= 1024) memo.clear();
  memo.set(key, vendor);
  return vendor;
}

function str(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The path of an absolute URL without building a URL object (this runs on every span). */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const scheme = url.indexOf('://');
  if (scheme === -1) return undefined;
  const slash = url.indexOf('/', scheme + 3);
  if (slash === -1) return '/';
  const end = url.slice(slash).search(/[?#]/);
  return end === -1 ? url.slice(slash) : url.slice(slash, slash + end);
}
