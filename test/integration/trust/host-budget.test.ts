import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type RunningInstance } from '../../helpers/egresswatch-process.js';
import { readStore, type StoredRows } from '../../helpers/read-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const HOSTS = 10;
const BUDGET = 3;
/** Host names as a sender can invent them under one domain: words, so no label reads as an id. */
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
const now = BigInt(Date.now()) * 1_000_000n;

function span(i: number): Record<string, unknown> {
  const at = now + BigInt(i) * 1_000_000n;
  return {
    traceId: (i + 1).toString(16).padStart(32, 'c'),
    spanId: (i + 1).toString(16).padStart(16, 'd'),
    name: 'POST',
    kind: 3,
    startTimeUnixNano: String(at),
    endTimeUnixNano: String(at + 5_000_000n),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'POST' } },
      { key: 'server.address', value: { stringValue: `${WORDS[i]}.flood.example` } },
      { key: 'url.template', value: { stringValue: '/upload' } },
    ],
  };
}

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
    const spans = Array.from({ length: HOSTS }, (_, i) => span(i));
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'flooder' } }] }, scopeSpans: [{ spans }] }] });
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
