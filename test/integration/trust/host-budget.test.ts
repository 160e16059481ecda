import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { jsonBody, jsonSpan } from '../../helpers/otlp-bodies.js';
import { readStore, type StoredRows } from '../../helpers/read-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const HOSTS = 10;
const BUDGET = 3;
/** Host names as a sender can invent them under one domain: words, so no label reads as an id. */
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
/** A flood of host names under one vendor is stored within `budgets.hosts_per_vendor`; every call still counts. */
describe('budgets.hosts_per_vendor', () => {
  const dir = tempDir();
  let ew: RunningInstance;
  let metrics = '';
  let rows: StoredRows = [];
  beforeAll(async () => {
    const config = join(dir.path, 'egresswatch.yaml');
    writeFileSync(config, `budgets:\n  hosts_per_vendor: ${BUDGET}\n`);
    ew = await startInstance(dir.path, { EGRESSWATCH_CONFIG: config });
    const spans = WORDS.slice(0, HOSTS).map((word, index) => jsonSpan({ index, attributes: { 'http.request.method': 'POST', 'server.address': `${word}.flood.example`, 'url.template': '/upload' } }));
    const body = jsonBody(spans, 'flooder');
    const res = await fetch(`${ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    metrics = await (await fetch(`${ew.url}/metrics`)).text();
    expect(await ew.stop()).toBe(0);
    rows = readStore(dir.path, { hosts: "SELECT host, count() AS calls FROM egress_spans WHERE vendor = 'flood.example' GROUP BY host ORDER BY host" }).hosts!;
  }, 180_000);
  afterAll(async () => {
    await ew?.stop();
    dir.remove();
  });

  it('keeps the first hosts, stores the rest as {over_budget}, and counts every call', () => {
    expect(rows.map((r) => r.host)).toEqual(['alpha.flood.example', 'bravo.flood.example', 'charlie.flood.example', '{over_budget}']);
    expect(rows.reduce((sum, r) => sum + Number(r.calls), 0)).toBe(HOSTS);
  });

  it('counts the hits in egresswatch_cardinality_budget_hits_total', () => {
    expect(metrics).toContain(`egresswatch_cardinality_budget_hits_total{budget="hosts"} ${HOSTS - BUDGET}`);
  });
});
