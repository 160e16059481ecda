import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG } from '../../../common/config/detection.js';
import type { Finding } from '../../../common/types.js';
import { DetectionCache, evaluateStep, type DetectionSettings } from '../../../detectors/evaluate-step.js';
import type { Store } from '../../../storage/store.js';
import { useMigratedStore } from '../../helpers/migrated-store.js';
import { insertFlow, type Flow } from './synthetic-traffic.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2026-11-16 00:00 UTC: four days of history, incidents on Friday. */
const START = Date.UTC(2026, 10, 16);
const FRIDAY = START + 4 * DAY;

const stripe: Flow = { service: 'checkout', vendor: 'stripe', host: 'api.stripe.com', route: '/v1/charges', perMinute: 20, requestBytes: 400, fields: ['amount:number', 'currency:string', 'customer.email:string'], pii: ['customer.email:email'], seed: 1 };
const salesforce: Flow = { service: 'crm-sync', vendor: 'salesforce', host: 'acme.my.salesforce.com', route: '/services/data/v60.0/sobjects/Contact', perMinute: 8, requestBytes: 900, fields: ['LastName:string', 'Email:string'], pii: ['Email:email'], seed: 2 };
const twilio: Flow = { service: 'notify', vendor: 'twilio', host: 'api.twilio.com', route: '/2010-04-01/Accounts/{sid}/Messages.json', perMinute: 0.05, requestBytes: 200, fields: ['To:string', 'Body:string'], pii: ['To:phone'], seed: 3 };
const flows = [stripe, salesforce, twilio];

const settings: DetectionSettings = {
  detection: DEFAULT_DETECTION_CONFIG,
  // Every vendor here may receive what it gets: these tests are about traffic and schema.
  vendors: {
    stripe: { hosts: [], allow_pii: ['email'], runbooks: {} },
    salesforce: { hosts: [], allow_pii: ['email'], runbooks: {} },
    twilio: { hosts: [], allow_pii: ['phone'], runbooks: {} },
  },
};

describe('detection over the embedded store', () => {
  const db = useMigratedStore();
  let store: Store;
  const cache = new DetectionCache();

  /** Evaluates one tick per minute over [from, to) (tick = minute end + lag) and collects the findings. */
  async function replay(from: number, to: number): Promise<Finding[]> {
    const out: Finding[] = [];
    for (let t = from; t < to; t += MIN) out.push(...(await evaluateStep(store, { stepEnd: t + MIN + 30_000 }, settings, cache)));
    return out;
  }

  beforeAll(async () => {
    store = db.current;
    for (const flow of flows) await insertFlow(store, flow, START, FRIDAY + 18 * HOUR);
  }, 120_000);

  it('stays quiet on normal traffic with noise, nights and a sparse vendor', async () => {
    const findings = await replay(FRIDAY + 7 * HOUR, FRIDAY + 9 * HOUR);
    expect(findings).toEqual([]);
    // 120 cycles against the store: 17-56 s in three runs, over 60 s in one at load 29 (2 cores, shared).
  }, 240_000);

  it('flags a 6× call spike of 15 minutes as volume_spike on stripe', async () => {
    const at = FRIDAY + 18 * HOUR;
    await insertFlow(store, stripe, at, at + 15 * MIN, 6);
    await insertFlow(store, salesforce, at, at + 30 * MIN);
    await insertFlow(store, stripe, at + 15 * MIN, at + 30 * MIN);
    const findings = await replay(at, at + 30 * MIN);
    const kinds = new Set(findings.map((f) => `${f.kind}/${f.vendor}/${f.service}`));
    expect([...kinds]).toEqual(['volume_spike/stripe/checkout']);
    const spikes = findings.filter((f) => f.kind === 'volume_spike');
    expect(spikes.length).toBeGreaterThanOrEqual(12);
    expect(spikes.every((f) => f.at >= at && f.at < at + 15 * MIN)).toBe(true);
    expect(spikes[0]!.summary).toMatch(/checkout → stripe/);
  });

  it('flags request bytes surging at normal call counts as bytes_spike on salesforce', async () => {
    const at = FRIDAY + 18 * HOUR + 30 * MIN;
    await insertFlow(store, { ...salesforce, requestBytes: salesforce.requestBytes * 10 }, at, at + 15 * MIN);
    await insertFlow(store, stripe, at, at + 20 * MIN);
    await insertFlow(store, salesforce, at + 15 * MIN, at + 20 * MIN);
    const findings = await replay(at, at + 20 * MIN);
    const kinds = new Set(findings.map((f) => `${f.kind}/${f.vendor}/${f.service}`));
    expect([...kinds]).toEqual(['bytes_spike/salesforce/crm-sync']);
    expect(findings[0]!.details?.['bytes_per_call']).toBeDefined();
  });

  it('flags a new field carrying ssn as pii_new and, against stripe policy, pii_violation', async () => {
    const at = FRIDAY + 18 * HOUR + 50 * MIN;
    await insertFlow(store, { ...stripe, fields: [...stripe.fields, 'customer.ssn:string'], pii: [...stripe.pii, 'customer.ssn:ssn'] }, at, at + 5 * MIN);
    await insertFlow(store, salesforce, at, at + 5 * MIN);
    const findings = await replay(at, at + 5 * MIN);
    const newPii = findings.filter((f) => f.kind === 'pii_new');
    expect(newPii).toHaveLength(1);
    expect(newPii[0]).toMatchObject({ vendor: 'stripe', route: '/v1/charges', field: 'customer.ssn', severity: 'critical' });
    const violations = findings.filter((f) => f.kind === 'pii_violation');
    expect(violations.length).toBeGreaterThanOrEqual(1);
    expect(violations.every((f) => f.vendor === 'stripe' && f.details?.['pii'] === 'ssn')).toBe(true);
    expect(findings.some((f) => f.kind === 'schema_drift')).toBe(false);
    expect(JSON.stringify(findings)).not.toMatch(/\d{3}-\d{2}-\d{4}/);
  });

  it('flags a host never called before as new_destination once', async () => {
    const at = FRIDAY + 19 * HOUR;
    await insertFlow(store, { ...salesforce, vendor: 'example.net', host: 'uploads.example.net', route: '/upload', perMinute: 2, seed: 9 }, at, at + 5 * MIN);
    const findings = await replay(at, at + 5 * MIN);
    const fresh = findings.filter((f) => f.kind === 'new_destination');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({ vendor: 'example.net', service: 'crm-sync' });
    expect(fresh[0]!.summary).toContain('uploads.example.net');
  });
});
