import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../common/package-root.js';
import { sessionCookie, type ConsoleSessions } from './console-sessions.js';

/** Options of the built-in console. */
export interface ConsoleOptions {
  /** Logins: `/login?code=…` trades a code for the session cookie that opens `/api/…`. */
  sessions: ConsoleSessions;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The page's own files in dashboards/console, by name: nothing else there is served. */
const ASSETS: Record<string, string> = {
  'console.js': JS,
  'model.js': JS,
  'dom.js': JS,
  'api.js': JS,
  'charts.js': JS,
  'range-view.js': JS,
  'alerts-view.js': JS,
  'silences-view.js': JS,
  'inventory-view.js': JS,
  'vendor-view.js': JS,
  'register-view.js': JS,
  'register-model.js': JS,
  'console.css': CSS,
};

/**
 * The charting library (uPlot, MIT), served from the installed package: no CDN at run time, so
 * the console works offline and the CSP stays `'self'`. The ES module build, under the name the
 * page imports. uPlot sizes its elements through `element.style` (CSSOM), which `style-src
 * 'self'` does not block; it adds no `<style>` and no inline script.
 */
const LIBRARY_ASSETS: Record<string, { path: string; type: string }> = {
  'uplot.js': { path: 'dist/uPlot.esm.js', type: JS },
  'uplot.css': { path: 'dist/uPlot.min.css', type: CSS },
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

const LOGIN_REFUSED =
  'This login link is unknown, already used or expired: a link works once, within 10 minutes. Run `egresswatch console-link` on this machine for a new one (or restart `egresswatch start`, which prints one).\n';

/**
 * Serves the built-in console (dashboards/console: inventory/data map, charts over a time range,
 * alerts and their history, silences — all over the JSON API) at `/`, its assets under
 * `/console/`, and `/login?code=…`, where a one-time code becomes a session cookie. The page
 * holds no secret: its scripts call `/api/…` with the cookie, and without one the API answers
 * 401 and the page says how to log in. (The collector listener refuses requests not addressed to
 * this machine by name: see collector/access-guard.ts.)
 */
export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): void {
  const dir = join(packageRoot(), 'dashboards', 'console');
  const page = readFileSync(join(dir, 'index.html'));
  const assets = new Map(Object.entries(ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(dir, file)) }]));
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  for (const [file, asset] of Object.entries(LIBRARY_ASSETS)) assets.set(file, { type: asset.type, body: readFileSync(join(uplotDir, asset.path)) });

  const secure = (res: FastifyReply): FastifyReply =>
    res
      .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Frame-Options', 'DENY');

  app.get('/', async (_req, res) => secure(res).header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(page));

  // A GET, so that the link opens from a terminal; it is used once, and the redirect takes the
  // code out of the address bar and the history.
  app.get<{ Querystring: { code?: string } }>('/login', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const session = code ? options.sessions.redeem(code) : undefined;
    secure(res).header('Cache-Control', 'no-store');
    if (!session) return res.code(403).type('text/plain; charset=utf-8').send(LOGIN_REFUSED);
    return res.code(303).header('Set-Cookie', sessionCookie(req, session)).header('Location', '/').send();
  });

  app.get<{ Params: { file: string } }>('/console/:file', async (req, res) => {
    const asset = assets.get(req.params.file);
    if (!asset) return res.code(404).type('text/plain; charset=utf-8').send('not found\n');
    return secure(res).header('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
  });
}
