import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertLinks, linkBase, withListenUrl } from '../../../alerts/links.js';
import { toAlert } from '../../../alerts/lifecycle.js';
import { ALERT_LABELS, parseMatcher, unknownLabelError } from '../../../common/label-matchers.js';
import { lifecycleOptions } from '../../../alerts/alert-engine.js';
import { prepareOutputDir, progressPrinter, runBacktest } from '../../../cli/commands/backtest.js';
import { invokedAs } from '../../../cli/commands/demo.js';
import { renderAlerts } from '../../../cli/commands/alerts.js';
import { renderVendors, unknownVendorError } from '../../../cli/commands/vendors.js';
import { countOf } from '../../../cli/count-text.js';
import { parseConfig } from '../../../common/config/index.js';
import type { InventoryVendor } from '../../../storage/inventory.js';
import type { StoredAlert } from '../../../storage/alert-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('alert links follow the address users reach', () => {
  const runbook = (config: ReturnType<typeof parseConfig>): string => alertLinks(config).runbookUrl('stripe', 'volume_spike');

  it('start --port 0: links name the port really listened on, not the configured 4318', () => {
    const config = parseConfig({});
    expect(runbook(config)).toBe('http://127.0.0.1:4318/runbooks/volume_spike');
    expect(runbook(withListenUrl(config, 'http://127.0.0.1:41234'))).toBe('http://127.0.0.1:41234/runbooks/volume_spike');
    expect(alertLinks(withListenUrl(config, 'http://127.0.0.1:41234')).externalUrl).toBe('http://127.0.0.1:41234');
  });

  it('EGRESSWATCH_EXTERNAL_URL wins over the listener; an explicit runbook_base_url wins for runbooks', () => {
    const external = parseConfig({ alerts: { external_url: 'https://egress.example.com/' } });
    expect(runbook(withListenUrl(external, 'http://127.0.0.1:41234'))).toBe('https://egress.example.com/runbooks/volume_spike');
    // A worker alone has no listener: the external URL is all it has.
    expect(runbook(external)).toBe('https://egress.example.com/runbooks/volume_spike');
    expect(linkBase(external).source).toBe('configured');
    const wiki = parseConfig({ alerts: { external_url: 'https://egress.example.com', runbook_base_url: 'https://wiki.example.com/egress' } });
    expect(runbook(withListenUrl(wiki, 'http://127.0.0.1:41234'))).toBe('https://wiki.example.com/egress/runbooks/volume_spike');
    expect(alertLinks(wiki).externalUrl).toBe('https://egress.example.com');
    // Runbooks on a wiki: webhook generatorURL and PagerDuty client_url still lead to the instance.
    const wikiOnly = withListenUrl(parseConfig({ alerts: { runbook_base_url: 'https://wiki.example.com/egress' } }), 'http://127.0.0.1:41234');
    expect(runbook(wikiOnly)).toBe('https://wiki.example.com/egress/runbooks/volume_spike');
    expect(alertLinks(wikiOnly).externalUrl).toBe('http://127.0.0.1:41234');
    // A vendor's own runbook stays its own.
    const own = parseConfig({ vendors: { stripe: { hosts: ['api.stripe.com'], runbooks: { volume_spike: 'https://wiki.example.com/stripe' } } } });
    expect(runbook(withListenUrl(own, 'http://127.0.0.1:41234'))).toBe('https://wiki.example.com/stripe');
  });

  it('a listener on every interface links to 127.0.0.1 and says the links are for this machine only', () => {
    const config = parseConfig({ collector: { host: '0.0.0.0', ingest_tokens: ['a-token-of-sixteen-chars'] } });
    expect(linkBase(config, 'http://0.0.0.0:5000')).toEqual({ url: 'http://127.0.0.1:5000', source: 'listener', loopbackOnly: true });
    expect(linkBase(config, 'http://[::]:5000')).toEqual({ url: 'http://127.0.0.1:5000', source: 'listener', loopbackOnly: true });
    expect(linkBase(config)).toEqual({ url: 'http://127.0.0.1:4318', source: 'default', loopbackOnly: true });
    expect(runbook(withListenUrl(config, 'http://0.0.0.0:5000'))).toBe('http://127.0.0.1:5000/runbooks/volume_spike');
  });
});

describe('silence matchers name labels alerts have', () => {
  it('ALERT_LABELS holds every label an alert carries, and `source` that replayed alerts carry', () => {
    const alert = toAlert(
      { fingerprint: 'f', kind: 'pii_new', vendor: 'stripe', service: 'checkout', route: 'POST /v1/charges', field: 'card.number', phase: 'firing', heldSteps: 1, quietSteps: 0, startsAtMs: 0, lastNotifiedMs: 0, notifiedSeverity: undefined, severity: 'critical', summary: 's' },
      'firing',
      60_000,
      lifecycleOptions(parseConfig({})).links,
    );
    expect([...ALERT_LABELS].sort()).toEqual([...Object.keys(alert.labels), 'source'].sort());
  });

  it('a typo in a label name is refused with the nearest label', () => {
    expect(unknownLabelError('vendr=stripe', parseMatcher('vendr=stripe'))?.message).toBe(
      "matcher 'vendr=stripe': alerts have no label 'vendr' — did you mean 'vendor'? (labels: alertname, kind, vendor, service, severity, route, field, source)",
    );
    expect(unknownLabelError('team=payments', parseMatcher('team=payments'))?.message).toMatch(/^matcher 'team=payments': alerts have no label 'team' \(labels: /);
    for (const ok of ['vendor=stripe', 'kind=~volume_.*', 'severity!=info', 'alertname=pii_new', 'route!~/v1/.*', 'source=replay']) expect(unknownLabelError(ok, parseMatcher(ok)), ok).toBeUndefined();
  });
});

describe('text output', () => {
  it('counts agree with their noun', () => {
    expect(countOf(1, 'route')).toBe('1 route');
    expect(countOf(0, 'route')).toBe('0 routes');
    expect(countOf(12_345, 'call')).toBe('12,345 calls');
    expect(countOf(2, 'entry', 'entries')).toBe('2 entries');
  });

  const vendor: InventoryVendor = {
    vendor: 'hubspot',
    hosts: ['api.hubapi.com'],
    services: ['crm-sync'],
    pii: ['email', 'ssn'],
    calls: 1,
    errors: 1,
    first_seen: '2026-11-20T08:00:00Z',
    last_seen: '2026-11-23T11:00:59Z',
    routes: [
      {
        route: '/crm/v3/objects/contacts',
        methods: ['POST'],
        services: ['crm-sync'],
        calls: 1,
        errors: 1,
        first_seen: '2026-11-20T08:00:00Z',
        last_seen: '2026-11-23T11:00:59Z',
        fields: [
          { direction: 'request', field: 'properties.email', types: ['string'], pii: ['email'], calls: 1, first_seen: '2026-11-20T08:00:00Z', last_seen: '2026-11-23T11:00:59Z' },
          { direction: 'request', field: 'properties.ssn', types: ['string'], pii: ['ssn'], calls: 1, first_seen: '2026-11-23T10:31:00Z', last_seen: '2026-11-23T11:00:59Z' },
        ],
      },
    ],
  };

  it('vendors: each field says when it first appeared; one call is not "1 calls"', () => {
    expect(renderVendors([vendor]).split('\n')).toEqual([
      'hubspot  1 call, 1 error  hosts: api.hubapi.com  services: crm-sync',
      '  PII: email, ssn   first seen 2026-11-20T08:00:00Z, last seen 2026-11-23T11:00:59Z',
      '  POST /crm/v3/objects/contacts  1 call',
      '    → properties.email: string  [PII: email]  since 2026-11-20T08:00:00Z',
      '    → properties.ssn: string  [PII: ssn]  since 2026-11-23T10:31:00Z',
      '',
    ]);
  });

  it('vendors --vendor with a typo suggests the nearest vendor', () => {
    expect(unknownVendorError('strpe', ['hubspot', 'stripe', 'twilio']).message).toBe(
      "vendors --vendor: no vendor 'strpe' has been seen or configured — did you mean 'stripe'? (known: hubspot, stripe, twilio)",
    );
    expect(unknownVendorError('x', []).message).toBe("vendors --vendor: no vendor 'x' has been seen or configured (no vendor seen yet)");
  });

  it('alerts: a silenced firing alert says by which silence, and the listing counts them', () => {
    const alert: StoredAlert = {
      fingerprint: '0123456789abcdef',
      kind: 'volume_spike',
      severity: 'critical',
      status: 'firing',
      vendor: 'stripe',
      service: 'checkout',
      startsAt: '2026-11-23T10:00:00.000Z',
      summary: 'Calls checkout → stripe at 27/min',
      runbook_url: 'http://127.0.0.1:4318/runbooks/volume_spike',
      labels: { vendor: 'stripe' },
      annotations: {},
      updatedAt: '2026-11-23T10:00:00.000Z',
    };
    const out = renderAlerts([{ ...alert, silencedBy: ['5f0c'] }, { ...alert, fingerprint: 'fedcba9876543210', vendor: 'twilio' }], undefined).split('\n');
    expect(out[0]).toBe('firing   critical volume_spike    stripe  checkout  [silenced by 5f0c]');
    expect(out[3]).toBe('firing   critical volume_spike    twilio  checkout');
    expect(out[6]).toBe('1 firing alert silenced: not sent to any receiver (egresswatch silence list)');
  });

  it('demo --keep prints a command the user can paste', () => {
    expect(invokedAs('/usr/local/bin/egresswatch', '/usr/bin:/usr/local/bin', '/home/me')).toBe('egresswatch');
    expect(invokedAs('/home/me/app/node_modules/.bin/egresswatch', '/usr/bin', '/home/me/app')).toBe('npx egresswatch');
    expect(invokedAs('/home/me/egresswatch/bin/egresswatch.js', '/usr/bin', '/home/me/egresswatch')).toBe('node bin/egresswatch.js');
    expect(invokedAs('/opt/egresswatch/bin/egresswatch.js', '/usr/bin', '/home/me')).toBe('node /opt/egresswatch/bin/egresswatch.js');
  });
});

describe('backtest --output', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const input = join(dir.path, 'in.csv');
  writeFileSync(input, 'timestamp,value\n2015-02-26 00:00:00,1\n2015-02-26 00:05:00,2\n');

  it('refuses an existing file, a path under a file and a place it cannot create, at once and in one line', () => {
    const file = join(dir.path, 'existing');
    writeFileSync(file, 'keep me');
    expect(() => runBacktest({ input, output: file })).toThrow(`--output ${file}: is a file; give a directory that can be written`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(() => prepareOutputDir(join(file, 'sub'))).toThrow(`--output ${join(file, 'sub')}: ${file} is a file;`);
    if (existsSync('/proc/self')) {
      // Node's recursive mkdir spins forever here; this returns at once.
      expect(() => prepareOutputDir('/proc/nope/deeper')).toThrow(/^--output \/proc\/nope\/deeper: cannot (create \/proc\/nope|write in it) \(E[A-Z]+\)/);
    }
  });

  it('creates missing directories and refuses to write a result over its own input', () => {
    const out = join(dir.path, 'a', 'b', 'c');
    expect(prepareOutputDir(out)).toBe(out);
    expect(runBacktest({ input, output: out })).toEqual({ files: 1, rows: 2 });
    expect(() => runBacktest({ input, output: dir.path })).toThrow(`results would overwrite the input ${input}`);
    expect(readFileSync(input, 'utf8')).toBe('timestamp,value\n2015-02-26 00:00:00,1\n2015-02-26 00:05:00,2\n');
  });

  it('says how far it got over a directory', () => {
    const many = join(dir.path, 'many');
    mkdirSync(many);
    for (let i = 0; i < 3; i++) writeFileSync(join(many, `s${i}.csv`), 'timestamp,value\n2015-02-26 00:00:00,1\n');
    const lines: string[] = [];
    runBacktest({ input: many, output: join(dir.path, 'many-out'), onProgress: progressPrinter(0, (l) => lines.push(l)) });
    expect(lines).toContain('backtest: read and checked 1 of 3 files (1 row), 0 s');
    expect(lines).toContain('backtest: scored 2 of 3 files (2 rows), 0 s');
  });
});
