import { describe, expect, it } from 'vitest';
import { renderAlerts } from '../../../cli/commands/alerts.js';
import { renderDetect } from '../../../cli/commands/detect.js';
import { renderVendors } from '../../../cli/commands/vendors.js';
import type { Alert } from '../../../common/types.js';
import type { InventoryVendor } from '../../../storage/inventory.js';

// What a terminal acts on instead of showing: C0 (but our own newlines), DEL, C1, bidi and other
// format characters, separators, lone surrogates.
const ACTING = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const RETITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J';
const CSI = '\x9b31m';
const RLO = '\u202e';

const vendor: InventoryVendor = {
  vendor: `stripe${RETITLE}`,
  hosts: [`api.stripe.com${RLO}gpj.exe`],
  services: [`checkout${CSI}`, 'billing\nforged  999 calls'],
  pii: ['email'],
  calls: 12,
  errors: 1,
  first_seen: '2026-11-23T10:00:00Z',
  last_seen: '2026-11-23T11:00:00Z',
  routes: [
    {
      route: `/v1/charges${CLEAR}`,
      methods: ['POST\x7f'],
      services: ['checkout'],
      calls: 12,
      errors: 1,
      first_seen: '2026-11-23T10:00:00Z',
      last_seen: '2026-11-23T11:00:00Z',
      fields: [{ direction: 'request', field: `card\u2066number\u2069\0`, types: ['string'], pii: ['card\u200b'], calls: 12, first_seen: '2026-11-23T10:00:00Z', last_seen: '2026-11-23T11:00:00Z' }],
    },
  ],
};

const alert: Alert = {
  fingerprint: '0123456789abcdef',
  kind: 'schema_drift',
  severity: 'critical',
  status: 'resolved',
  vendor: `stripe${RETITLE}`,
  service: `checkout${CSI}`,
  route: `POST /v1/charges${CLEAR}`,
  field: `card${RLO}rebmun`,
  startsAt: '2026-11-23T10:00:00.000Z',
  endsAt: '2026-11-23T10:10:00.000Z',
  summary: `new request field card${RLO}rebmun on stripe${RETITLE}\nforged line`,
  runbook_url: 'http://127.0.0.1:4318/runbooks/schema_drift',
  labels: {},
  annotations: {},
};

describe('CLI text output of span-supplied names', () => {
  it('vendors: shows ESC, C1, DEL, NUL and bidi characters as escapes; a newline in a name forges no row', () => {
    const out = renderVendors([vendor]);
    expect(out).not.toMatch(ACTING);
    expect(out.split('\n')).toEqual([
      'stripe\\x1b]0;pwned\\x07  12 calls, 1 error  hosts: api.stripe.com\\u202egpj.exe  services: checkout\\x9b31m, billing\\nforged  999 calls',
      '  PII: email   first seen 2026-11-23T10:00:00Z, last seen 2026-11-23T11:00:00Z',
      '  POST\\x7f /v1/charges\\x1b[2J  12 calls',
      '    → card\\u2066number\\u2069\\x00: string  [PII: card\\u200b]  since 2026-11-23T10:00:00Z',
      '',
    ]);
  });

  it('alerts: every stored string is escaped, the layout stays three lines per alert', () => {
    const out = renderAlerts([{ ...alert, updatedAt: alert.endsAt! }], undefined);
    expect(out).not.toMatch(ACTING);
    expect(out.split('\n')).toEqual([
      'resolved critical schema_drift    stripe\\x1b]0;pwned\\x07  checkout\\x9b31m POST /v1/charges\\x1b[2J card\\u202erebmun',
      '         new request field card\\u202erebmun on stripe\\x1b]0;pwned\\x07\\nforged line',
      '         2026-11-23T10:00:00.000Z → 2026-11-23T10:10:00.000Z  fingerprint 0123456789abcdef  runbook http://127.0.0.1:4318/runbooks/schema_drift',
      '',
    ]);
  });

  it('detect: the replayed alerts are escaped the same way', () => {
    const out = renderDetect({ alerts: [alert] });
    expect(out).not.toMatch(ACTING);
    expect(out).toContain('stripe\\x1b]0;pwned\\x07 ← checkout\\x9b31m  2026-11-23T10:00:00.000Z → 2026-11-23T10:10:00.000Z');
    expect(out.split('\n')).toHaveLength(4);
  });
});
