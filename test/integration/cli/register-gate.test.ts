import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../storage/migrate.js';
import { openStore } from '../../../storage/store.js';
import { runCli } from '../../helpers/egresswatch-process.js';
import { parseCsv } from '../../helpers/rfc4180.js';
import { findAll, parseXml, textOf } from '../../helpers/xml-check.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { spanRow } from '../../helpers/span-rows.js';

// The privacy register as a user meets it in CI: traffic to three vendors in the store, a policy
// file with a register for two of them, and the CLI (`policy check`, `register export`, `map`,
// `vendors --json`) opening the store itself.
const POLICY_HEAD = 'vendors:\n';
const STRIPE = '  stripe: { hosts: [api.stripe.com], allow_pii: [email, card], owner: payments, purpose: card payments, legal_basis: contract, dpa: signed, dpa_signed_on: 2025-01-15, region: EU, transfer_mechanism: not_needed, retention_days: 30 }\n';
const TWILIO_NO_DPA = '  twilio: { hosts: [api.twilio.com], allow_pii: [phone], owner: growth, legal_basis: legitimate_interests, dpa: missing, region: US, transfer_mechanism: sccs }\n';
const TWILIO_DPA = '  twilio: { hosts: [api.twilio.com], allow_pii: [phone], owner: growth, legal_basis: legitimate_interests, dpa: signed, region: US, transfer_mechanism: sccs }\n';
const ACME = '  acme-crm: { hosts: [api.acme-crm.io], allow_pii: [email], legal_basis: consent, dpa: signed }\n';

describe('privacy register through the CLI', () => {
  const dir = tempDir();
  const env = { EGRESSWATCH_DATA_DIR: dir.path };
  const policy = (name: string, text: string): string => {
    const file = join(dir.path, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    const store = await openStore({ dataDir: dir.path });
    try {
      await migrate(store);
      const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('T', ' ').replace('Z', '');
      await store.client.insert({
        table: 'egress_spans',
        format: 'JSONEachRow',
        values: [
          spanRow({ timestamp: at(30), service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', request_fields: ['amount:number', 'card.number:string', 'customer.email:string'], request_pii: ['card.number:card', 'customer.email:email'] }),
          spanRow({ timestamp: at(29), service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', method: 'POST', route: '/v1/charges', request_fields: ['amount:number', 'card.number:string', 'customer.email:string'], request_pii: ['card.number:card', 'customer.email:email'] }),
          spanRow({ timestamp: at(20), service: 'signup', vendor: 'twilio', host: 'api.twilio.com', method: 'POST', route: '/2010-04-01/Accounts/{id}/Messages.json', request_fields: ['To:string', 'Body:string'], request_pii: ['To:phone'] }),
          spanRow({ timestamp: at(10), service: 'crm-sync', vendor: 'acme-crm', host: 'api.acme-crm.io', method: 'PUT', route: '/api/v2/contacts/{id}', request_fields: ['contact.email:string', 'contact.notes:string'], request_pii: ['contact.email:email'] }),
        ],
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => dir.remove());

  it('policy check fails on the unregistered vendor and on the one without a DPA, naming vendor, route, field and class; passes once the register is complete', async () => {
    const failing = await runCli(dir.path, ['policy', 'check', '--policy', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    expect(failing.code).toBe(1);
    const out = failing.stdout;
    // The unregistered CRM is refused twice over: its class is in no allow_pii, and it is not in the register.
    expect(out).toContain('policy check FAILED: 1 PII flow not allowed by the vendor\'s allow_pii');
    expect(out).toMatch(/^ {2}acme-crm {2}\/api\/v2\/contacts\/\{id\} {2}contact\.email {2}email {3}from crm-sync {2}\(1 call\)$/m);
    expect(out).toContain('policy check FAILED: 2 personal-data flows to a vendor the register does not cover');
    expect(out).toMatch(/^ {2}acme-crm {2}\/api\/v2\/contacts\/\{id\} {2}contact\.email {2}email: acme-crm is not in the register \(add vendors\.acme-crm with legal_basis and dpa\) {3}from crm-sync/m);
    expect(out).toMatch(/^ {2}twilio {2}\/2010-04-01\/Accounts\/\{id\}\/Messages\.json {2}To {2}phone: no DPA \(vendors\.twilio\.dpa: signed or not_needed\) {3}from signup/m);
    expect(out).not.toMatch(/^ {2}stripe /m);

    const json = await runCli(dir.path, ['policy', 'check', '--json', '--policy', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      registerChecked: true,
      registerGaps: [
        { vendor: 'acme-crm', route: '/api/v2/contacts/{id}', field: 'contact.email', pii: 'email', gaps: ['not_registered'] },
        { vendor: 'twilio', route: '/2010-04-01/Accounts/{id}/Messages.json', field: 'To', pii: 'phone', gaps: ['no_dpa'] },
      ],
    });

    const passing = await runCli(dir.path, ['policy', 'check', '--policy', policy('complete.yaml', POLICY_HEAD + STRIPE + TWILIO_DPA + ACME)], env);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('policy check passed: no PII sent to a vendor outside its allow_pii, and every vendor receiving personal data has a legal basis and a DPA in the register');
  });

  it('register export --format csv round-trips with the documented columns, one row per (service, vendor, route)', async () => {
    const res = await runCli(dir.path, ['register', 'export', '--format', 'csv', '--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    expect(res.code).toBe(0);
    const [header, ...rows] = parseCsv(res.stdout);
    expect(header).toEqual(['service', 'vendor', 'route', 'methods', 'hosts', 'fields', 'pii_fields', 'classes', 'tier', 'in_register', 'owner', 'purpose', 'legal_basis', 'dpa', 'dpa_signed_on', 'region', 'transfer_mechanism', 'retention_days', 'first_seen', 'last_seen', 'calls', 'errors', 'risk']);
    const records = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
    expect(records.map((r) => [r['service'], r['vendor'], r['route']])).toEqual([
      ['crm-sync', 'acme-crm', '/api/v2/contacts/{id}'],
      ['checkout', 'stripe', '/v1/charges'],
      ['signup', 'twilio', '/2010-04-01/Accounts/{id}/Messages.json'],
    ]);
    expect(records[1]).toMatchObject({ methods: 'POST', hosts: 'api.stripe.com', fields: 'amount\ncard.number\ncustomer.email', pii_fields: 'card.number:card\ncustomer.email:email', classes: 'card\nemail', tier: 'special_category', in_register: 'yes', owner: 'payments', purpose: 'card payments', legal_basis: 'contract', dpa: 'signed', dpa_signed_on: '2025-01-15', region: 'EU', transfer_mechanism: 'not_needed', retention_days: '30', calls: '2', errors: '0' });
    expect(records[0]).toMatchObject({ in_register: 'no', legal_basis: '', tier: 'personal', calls: '1' });
    expect(records[2]).toMatchObject({ dpa: 'missing', classes: 'phone' });
    for (const r of records) expect(Number(r['risk'])).toBeGreaterThan(0);

    const md = await runCli(dir.path, ['register', 'export', '--format', 'md', '--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    expect(md.stdout).toContain('Shadow integrations (seen on the wire, not in the register): acme-crm.');
    const typo = await runCli(dir.path, ['register', 'export', '--format', 'xls'], env);
    expect([typo.code, typo.stderr.trim()]).toEqual([2, "egresswatch: --format: unknown format 'xls' (formats: csv, json, md)"]);
  });

  it('map --format svg is valid SVG holding every service and vendor seen; Mermaid is the default', async () => {
    const config = ['--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)];
    const svg = await runCli(dir.path, ['map', '--format', 'svg', '--since', '1d', ...config], env);
    expect(svg.code).toBe(0);
    const root = parseXml(svg.stdout);
    const labels = findAll(root, 'text').filter((t) => t.attrs['class'] === 'label').map(textOf).sort();
    expect(labels).toEqual(['acme-crm', 'checkout', 'crm-sync', 'signup', 'stripe', 'twilio']);
    const vendorNode = (name: string) => findAll(root, 'g').find((g) => g.attrs['data-kind'] === 'vendor' && g.attrs['data-name'] === name)!;
    expect(vendorNode('acme-crm').attrs['data-shadow']).toBe('true');
    expect(findAll(vendorNode('stripe'), 'text').map(textOf)).toContain('basis: contract · DPA signed 2025-01-15');
    const mermaid = await runCli(dir.path, ['map', ...config], env);
    expect(mermaid.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.stdout.split('\n').filter((l) => l.includes('-->'))).toHaveLength(3);
    const empty = await runCli(dir.path, ['map', '--format', 'svg', '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-02T00:00:00Z'], env);
    expect(textOf(parseXml(empty.stdout))).toContain('no egress in this window');
  });

  it('map --out and register export --out write the file and say so in one stderr line: path, bytes, what it holds', async () => {
    const config = ['--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)];
    // As a user runs it: no info logs asked for.
    const env = { EGRESSWATCH_DATA_DIR: dir.path, EGRESSWATCH_LOG_LEVEL: undefined };
    const mapFile = join(dir.path, 'flows.mmd');
    const map = await runCli(dir.path, ['map', '--out', mapFile, ...config], env);
    expect(map.code, map.stderr).toBe(0);
    expect(map.stdout).toBe('');
    expect(map.stderr).toBe(`wrote ${mapFile} (${statSync(mapFile).size.toLocaleString('en-US')} bytes, 3 services, 3 vendors)\n`);
    expect(readFileSync(mapFile, 'utf8').startsWith('flowchart LR\n')).toBe(true);
    const csvFile = join(dir.path, 'register.csv');
    const csv = await runCli(dir.path, ['register', 'export', '--out', csvFile, ...config], env);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('');
    expect(csv.stderr).toBe(`wrote ${csvFile} (${statSync(csvFile).size.toLocaleString('en-US')} bytes, 3 rows, 3 services, 3 vendors)\n`);
  });

  it('vendors --json puts the riskiest first with tiers, the register entry and the shadow flag', async () => {
    const res = await runCli(dir.path, ['vendors', '--json', '--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    const vendors = JSON.parse(res.stdout) as Array<Record<string, any>>;
    expect(vendors.map((v) => [v['vendor'], v['tier'], v['shadow']])).toEqual([
      ['acme-crm', 'personal', true],
      ['stripe', 'special_category', false],
      ['twilio', 'personal', false],
    ]);
    expect(vendors.map((v) => v['risk'])).toEqual([...vendors.map((v) => v['risk'])].sort((a, b) => b - a));
    expect(vendors[1]).toMatchObject({ register: { legal_basis: 'contract', dpa: 'signed' }, register_gaps: [], integrations: [{ service: 'checkout', pii: ['card', 'email'], tier: 'special_category', calls: 2 }] });
    expect(vendors[2]).toMatchObject({ register_gaps: ['no_dpa'], register_missing: ['purpose', 'dpa', 'retention_days'] });
    const field = vendors[1]!['routes'][0].fields.find((f: { field: string }) => f.field === 'card.number');
    expect(field).toMatchObject({ pii: ['card'], tier: 'special_category' });
    const text = await runCli(dir.path, ['vendors', '--config', policy('register.yaml', POLICY_HEAD + STRIPE + TWILIO_NO_DPA)], env);
    expect(text.stdout.split('\n')[1]).toMatch(/^ {2}risk \d+ \(\w+\) · receives personal data · SHADOW INTEGRATION: not in the register/);
  });
});
