import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../common/config/index.js';
import { readInventory } from '../../storage/inventory.js';
import { boolFlag, type Command } from '../command.js';
import { startCollectorRole } from '../collector-role.js';
import { demoSpans, INCIDENT, otlpRequests } from '../demo-traffic.js';
import { replayDetection } from '../replay.js';
import { openConfiguredStore } from '../store-access.js';

const MINUTE = 60_000;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the pipeline on synthetic SDK traffic with an injected incident, and show the alerts',
  usage: '[--keep]   (--keep leaves the demo data dir for `EGRESSWATCH_DATA_DIR=… egresswatch vendors`)',
  options: { keep: { type: 'boolean' } },
  async run(args) {
    const dataDir = mkdtempSync(join(tmpdir(), 'egresswatch-demo-'));
    const config = parseConfig({
      data_dir: dataDir,
      vendors: {
        stripe: { hosts: ['api.stripe.com'], allow_pii: ['email', 'card'] },
        twilio: { hosts: ['api.twilio.com'], allow_pii: ['phone'] },
        hubspot: { hosts: ['api.hubapi.com'], allow_pii: ['email', 'person_name'] },
      },
    });
    const out = (line: string): boolean => process.stdout.write(line + '\n');
    const store = await openConfiguredStore(config);
    const collector = await startCollectorRole(config, store, { host: '127.0.0.1', port: 0 });
    try {
      const now = Math.floor(Date.now() / MINUTE) * MINUTE;
      const incidentFrom = now - 30 * MINUTE;
      const spans = demoSpans(now - 2 * 24 * 60 * MINUTE, now, incidentFrom);
      out(`egresswatch demo: 2 days of egress from checkout, notifications and crm-sync (${spans.length.toLocaleString('en-US')} spans)`);
      out(`  incident in the last 30 minutes: checkout sends ${INCIDENT.spikeFactor}x the calls to stripe with ${INCIDENT.bytesFactor}x larger bodies,`);
      out(`  crm-sync starts sending an SSN to HubSpot, and a new service posts to ${INCIDENT.newHost}`);
      const started = Date.now();
      for (const body of otlpRequests(spans)) {
        const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (!res.ok) throw new Error(`the collector answered ${res.status}: ${await res.text()}`);
      }
      out(`  sent through OTLP/HTTP to the collector in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const inventory = await readInventory(store);
      out('\ninventory (egresswatch vendors):');
      for (const v of inventory) out(`  ${v.vendor.padEnd(34)} ${String(v.calls).padStart(7)} calls  from ${v.services.join(', ')}  PII: ${v.pii.join(', ') || 'none'}`);

      out('\nreplaying the detectors over the last hour, one step per minute (egresswatch detect):');
      const { alerts } = await replayDetection(store, config, { fromMs: now - 60 * MINUTE, toMs: now + MINUTE, stepMs: MINUTE });
      const firing = alerts.filter((a) => a.status === 'firing');
      for (const a of firing) {
        out(`  ${a.severity.toUpperCase().padEnd(8)} ${a.kind.padEnd(15)} ${a.vendor}${a.service ? ` ← ${a.service}` : ''}  since ${a.startsAt.slice(11, 16)} UTC`);
        out(`           ${a.summary}`);
        out(`           runbook: ${a.runbook_url}`);
      }
      if (firing.length === 0) out('  no alerts (this is a bug in the demo: the incident should have been caught)');
      out(boolFlag(args, 'keep') ? `\ndata kept in ${dataDir}` : '\n(run with --keep to explore the data afterwards)');
      return firing.length > 0 ? 0 : 1;
    } finally {
      await collector.close();
      await store.close();
      if (!boolFlag(args, 'keep')) rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
