import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../common/config/index.js';
import { csvCell } from '../../../../common/csv.js';
import { EXPORT_COLUMNS, exportCsv, exportJson, exportRows } from '../../../../common/register/register-export.js';
import { exportMarkdown, mdText } from '../../../../common/register/register-markdown.js';
import { parseCsv } from '../../../helpers/rfc4180.js';
import { FLOWS, REGISTER, flow, sent } from './flows-fixture.js';

const WINDOW = { fromMs: Date.parse('2026-10-24T10:00:00Z'), toMs: Date.parse('2026-11-23T10:00:00Z') };
const config = parseConfig({ vendors: REGISTER });

describe('register export: CSV', () => {
  const data = exportRows(FLOWS, config, WINDOW);

  it('round-trips through an RFC 4180 parser: the documented columns, one row per (service, vendor, route)', () => {
    const [header, ...rows] = parseCsv(exportCsv(data));
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(header).toEqual(['service', 'vendor', 'route', 'methods', 'hosts', 'fields', 'pii_fields', 'classes', 'tier', 'in_register', 'owner', 'purpose', 'legal_basis', 'dpa', 'dpa_signed_on', 'region', 'transfer_mechanism', 'retention_days', 'first_seen', 'last_seen', 'calls', 'errors', 'risk']);
    expect(rows).toHaveLength(FLOWS.length);
    const records = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
    const charges = records.find((r) => r['route'] === '/v1/charges')!;
    expect(charges).toMatchObject({
      service: 'checkout',
      vendor: 'stripe',
      fields: 'amount\ncard.number\ncustomer.email',
      pii_fields: 'card.number:card\ncustomer.email:email',
      classes: 'card\nemail',
      tier: 'special_category',
      in_register: 'yes',
      owner: 'payments-team',
      legal_basis: 'contract',
      dpa: 'signed',
      dpa_signed_on: '2025-01-15',
      transfer_mechanism: 'not_needed',
      retention_days: '2555',
      first_seen: '2026-11-20T10:00:00Z',
      last_seen: '2026-11-23T10:00:59Z',
      calls: '12000',
    });
    expect(records.find((r) => r['vendor'] === 'acme-crm' && r['service'] === 'signup')).toMatchObject({ in_register: 'no', owner: '', legal_basis: '', tier: 'personal' });
    expect(records.map((r) => [r['vendor'], r['service'], r['route']])).toEqual(data.rows.map((r) => [r.vendor, r.service, r.route]));
  });

  it('quotes quotes, commas and line breaks, shows controls as escapes, and defuses spreadsheet formulas', () => {
    const hostile = exportRows(
      [
        flow('=HYPERLINK("http://evil.example","click")', 'vendor,"quoted"', '+cmd|/C calc!A0', 1, [sent('@SUM(1+1)', 'email'), sent('-2+3'), sent('line\r\nbreak')]),
        flow('  =1+1', 'ok', '/\u202eevil', 1, []),
      ],
      parseConfig({}),
      WINDOW,
    );
    const [, ...rows] = parseCsv(exportCsv(hostile));
    const byVendor = Object.fromEntries(rows.map((r) => [r[1], r]));
    expect(byVendor['vendor,"quoted"']!.slice(0, 3)).toEqual([`'=HYPERLINK("http://evil.example","click")`, 'vendor,"quoted"', `'+cmd|/C calc!A0`]);
    expect(byVendor['vendor,"quoted"']![5]).toBe('@SUM(1+1)\n-2+3\nline\\r\\nbreak'.replace(/^@/, "'@"));
    expect(byVendor['ok']!.slice(0, 3)).toEqual(["'  =1+1", 'ok', '/\\u202eevil']);
    expect(csvCell(-1)).toBe('"-1"');
    expect(csvCell('a "b"')).toBe('"a ""b"""');
  });

  it('JSON carries the rows and the register view of every vendor', () => {
    const json = exportJson(data) as { rows: unknown[]; vendors: Array<{ vendor: string; shadow: boolean }> };
    expect(json.rows).toHaveLength(FLOWS.length);
    expect(json.vendors.filter((v) => v.shadow).map((v) => v.vendor).sort()).toEqual(['acme-crm', 'openai']);
  });
});

describe('register export: Markdown appendix', () => {
  it('reads as a records-of-processing appendix: a summary, the shadow integrations, a section per vendor', () => {
    const md = exportMarkdown(exportRows(FLOWS, config, WINDOW));
    expect(md).toMatch(/^# Records of processing: third-party API integrations\n/);
    expect(md).toContain('| stripe | yes | contract | signed 2025-01-15 | EU | no transfer | special category |');
    expect(md).toContain('Shadow integrations (seen on the wire, not in the register): acme-crm, openai.');
    expect(md).toContain('- twilio: no DPA');
    expect(md).toContain('Not recorded: purpose, DPA (signed or not needed), retention.');
    expect(md.match(/^## /gm)).toHaveLength(5);
  });

  it('escapes pipes and markup in names: every table keeps its columns, no HTML or link of theirs renders', () => {
    const names = ['a|b', '<img src=x onerror=alert(1)>', '[click](http://evil.example)', '**bold** _x_ `code` $x$ ~~s~~ \\|', '# heading &amp;', 'www.evil.example x@evil.example https://evil.example/x'];
    const flows = names.map((n, i) => flow(n, `v${i}|${n}`, `/r|${n}`, 1, [sent(n, 'email')]));
    const md = exportMarkdown(exportRows(flows, parseConfig({}), WINDOW));
    const tokens = marked.lexer(md);
    const tables = tokens.filter((t): t is ReturnType<typeof marked.lexer>[number] & { type: 'table'; header: unknown[]; rows: unknown[][] } => t.type === 'table');
    expect(tables.length).toBe(1 + flows.length);
    for (const t of tables) for (const r of t.rows) expect(r).toHaveLength(t.header.length);
    const html = marked.parse(md, { async: false });
    expect(html).not.toMatch(/<img|<a |<strong>bold|<em>x|<code>code|<del>|<h1>heading/);
    for (const n of names) expect(mdText(n)).not.toBe(n);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
