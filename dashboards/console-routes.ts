import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../common/package-root.js';

/** Options of the built-in console. */
export interface ConsoleOptions {
  /** The instance's API token; injected into the page so its scripts can call `/api/…`. */
  apiToken: string;
}

const ASSETS: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'model.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

// Only the page's own files; no inline script or style, so the CSP can forbid both.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// The page carries the API token, so it is handed only to a browser on this machine that asked
// for this machine by name. The Host check stops DNS rebinding: a web page whose domain
// resolves to 127.0.0.1 would otherwise be same-origin with the console and could read it.
const LOOPBACK_ADDRESS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

/** Whether the request comes from and is addressed to this machine's loopback interface. */
export function isLoopbackRequest(req: Pick<FastifyRequest, 'headers' | 'socket'>): boolean {
  return LOOPBACK_ADDRESS.test(req.socket.remoteAddress ?? '') && LOOPBACK_HOST.test(req.headers.host ?? '');
}

/**
 * Serves the built-in console (dashboards/console: inventory/data map and firing alerts over
 * the JSON API) at `/`, its assets under `/console/`. The token goes into a `<meta>` tag of
 * the page, which is served to loopback clients only; others get 403 and no token.
 */
export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): void {
  const dir = join(packageRoot(), 'dashboards', 'console');
  const page = injectToken(readFileSync(join(dir, 'index.html'), 'utf8'), options.apiToken);
  const assets = new Map(Object.entries(ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(dir, file)) }]));

  const secure = (res: FastifyReply): FastifyReply =>
    res
      .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Frame-Options', 'DENY');

  app.get('/', async (req, res) => {
    if (!isLoopbackRequest(req)) {
      return secure(res)
        .code(403)
        .type('text/plain; charset=utf-8')
        .send('The egresswatch console is served to this machine only (open it as http://127.0.0.1:<port>/ or http://localhost:<port>/). Use the JSON API with the token from instance.json elsewhere.\n');
    }
    // The page holds the token: never cached, never stored by a proxy.
    return secure(res).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(page);
  });

  app.get<{ Params: { file: string } }>('/console/:file', async (req, res) => {
    const asset = assets.get(req.params.file);
    if (!asset) return res.code(404).type('text/plain; charset=utf-8').send('not found\n');
    return secure(res).header('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
  });
}

function injectToken(html: string, token: string): string {
  const tag = '<meta name="egresswatch-api-token" content="">';
  if (!html.includes(tag)) throw new Error('dashboards/console/index.html lost its egresswatch-api-token meta tag');
  return html.replace(tag, `<meta name="egresswatch-api-token" content="${escapeAttribute(token)}">`);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
