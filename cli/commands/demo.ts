import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, sep } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { parseConfig } from '../../common/config/index.js';
import { linkBase } from '../../alerts/links.js';
import { recordAlerts } from '../../storage/alert-store.js';
import { readInventory } from '../../storage/inventory.js';
import { boolFlag, defineCommand } from '../command.js';
import { countOf } from '../count-text.js';
import { startCollectorRole } from '../collector-role.js';
import { demoSpans, INCIDENT, otlpRequests } from '../demo-traffic.js';
import { replayDetection } from '../../app/replay.js';
import { openConfiguredStore } from '../store-access.js';

const MINUTE = 60_000;

/**
 * How the user ran egresswatch, to print commands they can paste: `egresswatch` when the bin on
 * PATH was used, `npx egresswatch` from a project's node_modules/.bin, else `node <script>`.
 * Node keeps a symlinked bin's own path in argv[1].
 */
export function invokedAs(script = process.argv[1] ?? 'bin/egresswatch.js', path = process.env['PATH'] ?? '', cwd = process.cwd()): string {
  const dir = dirname(script);
  if (basename(script) === 'egresswatch') {
    if (path.split(delimiter).includes(dir)) return 'egresswatch';
    if (dir.endsWith(`${sep}node_modules${sep}.bin`)) return 'npx egresswatch';
  }
  const rel = relative(cwd, script);
  return `node ${rel.startsWith('..') || rel === '' ? script : rel}`;
}

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'run the pipeline on synthetic SDK traffic with an injected incident, and show the alerts',
  usage: '[--keep]   (--keep leaves the demo data and prints the command that starts egresswatch on it)',
  options: { keep: { type: 'boolean' } },
  async run(args) {
    const keep = boolFlag(args, 'keep');
    const dataDir = mkdtempSync(join(tmpdir(), 'egresswatch-demo-'));
    const raw = {
      data_dir: dataDir,
      // Kept, the demo gets a port of its own, free now: its stored alerts link there, and the
      // printed `start` serves them there even while another egresswatch holds 4318.
      ...(keep ? { collector: { port: await freePort() } } : {}),
      vendors: {
        stripe: { hosts: ['api.stripe.com'], allow_pii: ['email', 'card'] },
        twilio: { hosts: ['api.twilio.com'], allow_pii: ['phone'] },
        hubspot: { hosts: ['api.hubapi.com'], allow_pii: ['email', 'person_name'] },
      },
    };
    // The demo's own collector listens on port 0 and is gone when the demo ends (alert links name
    // the configured port, where the printed `start` serves them). It takes spans with a token of
    // its own, as a real one would, so it has no reason to warn that it is open; the kept config
    // leaves the token out.
    const ingestToken = randomBytes(24).toString('hex');
    const config = parseConfig({ ...raw, collector: { ...raw.collector, ingest_tokens: [ingestToken] } });
    const out = (line: string): boolean => process.stdout.write(line + '\n');
    const store = await openConfiguredStore(config);
    const collector = await startCollectorRole(config, store, { host: '127.0.0.1', port: 0 });
    try {
      const now = Math.floor(Date.now() / MINUTE) * MINUTE;
      const incidentFrom = now - 30 * MINUTE;
      const spans = demoSpans(now - 2 * 24 * 60 * MINUTE, now, incidentFrom);
      out(`egresswatch demo: 2 days of egress from checkout, notifications and crm-sync (${countOf(spans.length, 'span')})`);
      out(`  incident in the last 30 minutes: checkout sends ${INCIDENT.spikeFactor}x the calls to stripe with ${INCIDENT.bytesFactor}x larger bodies,`);
      out(`  crm-sync starts sending an SSN to HubSpot, and a new service posts to ${INCIDENT.newHost}`);
      const started = Date.now();
      for (const body of otlpRequests(spans)) {
        const res = await fetch(`${collector.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` }, body });
        if (!res.ok) throw new Error(`the collector answered ${res.status}: ${await res.text()}`);
      }
      out(`  sent through OTLP/HTTP to the collector in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const inventory = await readInventory(store);
      out('\ninventory (egresswatch vendors):');
      for (const v of inventory) out(`  ${v.vendor.padEnd(34)} ${countOf(v.calls, 'call').padStart(13)}  from ${v.services.join(', ')}  PII: ${v.pii.join(', ') || 'none'}`);

      out('\nreplaying the detectors over the last hour, one step per minute (egresswatch detect):');
      const { alerts } = await replayDetection(store, config, { fromMs: now - 60 * MINUTE, toMs: now + MINUTE, stepMs: MINUTE });
      const firing = alerts.filter((a) => a.status === 'firing');
      for (const a of firing) {
        out(`  ${a.severity.toUpperCase().padEnd(8)} ${a.kind.padEnd(15)} ${a.vendor}${a.service ? ` ← ${a.service}` : ''}  since ${a.startsAt.slice(11, 16)} UTC`);
        out(`           ${a.summary}`);
        out(`           runbook: ${a.runbook_url}`);
      }
      if (firing.length === 0) out('  no alerts (this is a bug in the demo: the incident should have been caught)');
      if (keep) {
        // The demo's vendors and policy go with the data: started on it, egresswatch judges it the same way.
        const file = join(dataDir, 'egresswatch.yaml');
        // A replay leaves live alert state alone; this data dir is the demo's own, and its alerts
        // are what there is to explore: `alerts`, the console and `start` (which resumes them) see them.
        for (const a of alerts) await recordAlerts(store, [a], Date.parse(a.endsAt ?? a.startsAt));
        writeFileSync(file, `# written by \`egresswatch demo --keep\`: the demo's data dir and vendor policy\n${toYaml(raw)}`);
        const ew = invokedAs();
        out(`\ndata kept in ${dataDir}; to explore it:`);
        out(`  ${ew} start --config ${file}`);
        out(`      console, API and the runbook links above, on ${linkBase(config).url} (Ctrl-C to stop)`);
        out(`  ${ew} vendors --config ${file}`);
        out(`  ${ew} alerts --config ${file}`);
        out(`  remove it when done: rm -r ${dataDir}`);
      } else {
        out('\n(run with --keep to explore the data afterwards)');
      }
      return firing.length > 0 ? 0 : 1;
    } finally {
      await collector.close();
      await store.close();
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    }
  },
});
