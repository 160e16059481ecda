import type { FastifyInstance } from 'fastify';
import { renderRunbook } from '../alerts/runbooks.js';
import { ALERT_KINDS } from '../common/types.js';

/** `/runbooks/<kind>`: the bundled runbook as HTML, linked from every alert's runbook_url. */
export function registerRunbookRoutes(app: FastifyInstance, options: { dashboardUrl?: string | undefined } = {}): void {
  app.get('/runbooks', async (_req, res) =>
    res.type('text/html; charset=utf-8').send(
      `<!doctype html><meta charset="utf-8"><title>egresswatch runbooks</title><h1>Runbooks</h1><ul>${ALERT_KINDS.map((k) => `<li><a href="/runbooks/${k}">${k}</a></li>`).join('')}</ul>`,
    ),
  );
  app.get('/runbooks/:kind', async (req, res) => {
    const html = renderRunbook((req.params as { kind: string }).kind, options);
    if (html === undefined) return res.code(404).type('text/plain').send(`no runbook for that kind; known kinds: ${ALERT_KINDS.join(', ')}\n`);
    return res.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(html);
  });
}
