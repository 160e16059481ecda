import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertsCommand } from '../../../cli/commands/alerts.js';
import { vendorsCommand } from '../../../cli/commands/vendors.js';
import { parseCommandArgs, type Command } from '../../../cli/command.js';
import { openConfiguredStore } from '../../../cli/store-access.js';
import { parseConfig } from '../../../common/config/index.js';
import type { Alert } from '../../../common/types.js';
import { recordAlerts } from '../../../storage/alert-store.js';
import { insertSpans, type EgressSpanRow } from '../../../storage/span-writer.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Names as a hostile span sender would choose them, stored as-is (the store keeps what it got).
const VENDOR = 'stripe\x1b]0;pwned\x07';
const ROUTE = '/v1/charges\x1b[2J\u202e';
const FIELD = 'card\x9b31m\u2066number';
const ACTING = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const span: EgressSpanRow = {
  timestamp_ns: BigInt(Date.now()) * 1_000_000n,
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  span_id: 'b7ad6b7169203331',
  service: 'checkout\u202e',
  environment: 'prod',
  vendor: VENDOR,
  host: 'api.stripe.com\x1b[2J',
  method: 'POST',
  route: ROUTE,
  status_code: 200,
  error_type: '',
  duration_ns: 12_000_000,
  request_bytes: 100,
  response_bytes: 300,
  request_fields: [`${FIELD}:string`],
  request_pii: [],
  response_fields: [],
  response_pii: [],
  shape_hash: 'abc',
  attributes: {},
};

const alert: Alert = {
  fingerprint: '0123456789abcdef',
  kind: 'schema_drift',
  severity: 'warning',
  status: 'firing',
  vendor: VENDOR,
  service: 'checkout\u202e',
  route: `POST ${ROUTE}`,
  field: FIELD,
  startsAt: new Date().toISOString(),
  summary: `new request field ${FIELD} on ${VENDOR} POST ${ROUTE}`,
  runbook_url: 'http://127.0.0.1:4318/runbooks/schema_drift',
  labels: { vendor: VENDOR },
  annotations: { added: `${FIELD}:string` },
};

describe('egresswatch vendors / alerts print hostile names on the embedded store', () => {
  const dir = tempDir();
  const config = join(dir.path, 'egresswatch.yaml');
  const dataDir = join(dir.path, 'data');
  writeFileSync(config, `data_dir: ${JSON.stringify(dataDir)}\n`);

  beforeAll(async () => {
    const store = await openConfiguredStore(parseConfig({ data_dir: dataDir }));
    try {
      await insertSpans(store, [span], 30_000);
      await recordAlerts(store, [alert]);
    } finally {
      await store.close();
    }
  });
  afterAll(() => dir.remove());

  async function run(command: Command, argv: string[]): Promise<string> {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    try {
      expect(await command.run(parseCommandArgs(command, [...argv, '--config', config]))).toBe(0);
      return chunks.join('');
    } finally {
      spy.mockRestore();
    }
  }

  it('vendors: text shows the escapes, --json parses back to the stored names', async () => {
    const text = await run(vendorsCommand, []);
    expect(text).not.toMatch(ACTING);
    expect(text).toContain('stripe\\x1b]0;pwned\\x07');
    expect(text).toContain('/v1/charges\\x1b[2J\\u202e');
    expect(text).toContain('card\\x9b31m\\u2066number');
    const json = await run(vendorsCommand, ['--json']);
    expect(json).not.toMatch(ACTING);
    const [vendor] = JSON.parse(json) as { vendor: string; routes: { route: string; fields: { field: string }[] }[] }[];
    expect(vendor?.vendor).toBe(VENDOR);
    expect(vendor?.routes[0]?.route).toBe(ROUTE);
    expect(vendor?.routes[0]?.fields[0]?.field).toBe(FIELD);
  });

  it('alerts: text shows the escapes, --json parses back to the stored alert', async () => {
    const text = await run(alertsCommand, []);
    expect(text).not.toMatch(ACTING);
    expect(text).toContain('new request field card\\x9b31m\\u2066number on stripe\\x1b]0;pwned\\x07 POST /v1/charges\\x1b[2J\\u202e');
    const json = await run(alertsCommand, ['--json']);
    expect(json).not.toMatch(ACTING);
    expect(JSON.parse(json)).toMatchObject([{ vendor: VENDOR, route: `POST ${ROUTE}`, field: FIELD, summary: alert.summary }]);
  });
});
