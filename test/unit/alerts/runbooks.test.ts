import { describe, expect, it } from 'vitest';
import { renderRunbook, runbookMarkdown } from '../../../alerts/runbooks.js';
import { ALERT_KINDS } from '../../../common/types.js';

describe('runbooks', () => {
  it.each(ALERT_KINDS)('%s has the sections an on-call SRE needs, with exact commands', (kind) => {
    const md = runbookMarkdown(kind);
    expect(md.startsWith(`# ${kind}`)).toBe(true);
    for (const section of ['## What it means', '## First checks', '## How to contain', '## When to escalate', '## How to silence']) expect(md).toContain(section);
    expect(md).toContain('egresswatch alerts --status firing');
    expect(md).toContain('egresswatch vendors --json');
    expect(md).toContain(`egresswatch silence add --match vendor=<vendor> --match kind=${kind} --for 2h`);
    const html = renderRunbook(kind)!;
    expect(html).toContain('<!doctype html>');
    expect(html).toContain(`<h1>${kind}`);
    expect(html).toContain('&lt;vendor&gt;');
  });

  it('links the dashboards when a URL is configured', () => {
    expect(renderRunbook('pii_new', { dashboardUrl: 'http://grafana.local/d/egresswatch?x=1&y=2' })).toContain('<p>Dashboards: <a href="http://grafana.local/d/egresswatch?x=1&amp;y=2">');
    expect(renderRunbook('pii_new')).not.toContain('Dashboards:');
  });

  it('has nothing for an unknown kind', () => {
    expect(renderRunbook('volume_spikes')).toBeUndefined();
    expect(renderRunbook('../package')).toBeUndefined();
  });
});
