/**
 * The audit export (`egresswatch register export`): one row per (service, vendor, route) with
 * what is sent, its tier, the vendor's register entry, when it was seen and how often. The same
 * rows become JSON, CSV (RFC 4180) or a Markdown records-of-processing appendix.
 */
import { csvDocument } from '../csv.js';
import { visibleText } from '../display-text.js';
import type { PiiPolicyConfig } from '../pii-policy.js';
import type { SensitivityTier } from '../pii-tiers.js';
import { buildRegister, registerFields, tierOfClasses, type RegisterModel } from './register-model.js';
import { sentClasses, type RouteFlow } from './route-flow.js';

/** One exported row. */
export interface ExportRow {
  service: string;
  vendor: string;
  route: string;
  methods: string[];
  hosts: string[];
  /** Request field paths (what is sent). */
  fields: string[];
  /** `path:class` for every sent field with a PII class. */
  pii_fields: string[];
  /** The classes sent on this route. */
  classes: string[];
  tier: SensitivityTier;
  in_register: boolean;
  owner?: string | undefined;
  purpose?: string | undefined;
  legal_basis?: string | undefined;
  dpa?: string | undefined;
  dpa_signed_on?: string | undefined;
  region?: string | undefined;
  transfer_mechanism?: string | undefined;
  retention_days?: number | undefined;
  first_seen: string;
  last_seen: string;
  calls: number;
  errors: number;
  /** Risk of the integration (service → vendor) this route belongs to. */
  risk: number;
}

/** The CSV columns, in order: the documented contract of the export. */
export const EXPORT_COLUMNS = [
  'service',
  'vendor',
  'route',
  'methods',
  'hosts',
  'fields',
  'pii_fields',
  'classes',
  'tier',
  'in_register',
  'owner',
  'purpose',
  'legal_basis',
  'dpa',
  'dpa_signed_on',
  'region',
  'transfer_mechanism',
  'retention_days',
  'first_seen',
  'last_seen',
  'calls',
  'errors',
  'risk',
] as const satisfies ReadonlyArray<keyof ExportRow>;

/** The export: the rows and the register model they were judged with. */
export interface RegisterExport {
  from: string;
  to: string;
  rows: ExportRow[];
  model: RegisterModel;
}

/** Rows sorted by vendor, service, route. */
export function exportRows(flows: readonly RouteFlow[], config: PiiPolicyConfig, window: { fromMs: number; toMs: number }): RegisterExport {
  const model = buildRegister(flows, config);
  const risk = new Map(model.integrations.map((i) => [JSON.stringify([i.service, i.vendor]), i.risk]));
  const rows = flows.map((flow): ExportRow => {
    const sent = flow.fields.filter((f) => f.direction === 'request');
    const classes = sentClasses(flow);
    const register = registerFields(flow.vendor, config);
    const text = (key: keyof NonNullable<typeof register>): string | undefined => (register?.[key] === undefined ? undefined : String(register[key]));
    return {
      service: flow.service,
      vendor: flow.vendor,
      route: flow.route,
      methods: flow.methods,
      hosts: flow.hosts,
      fields: sent.map((f) => f.field),
      pii_fields: sent.flatMap((f) => f.pii.map((c) => `${f.field}:${c}`)),
      classes,
      tier: tierOfClasses(classes, config),
      in_register: register !== null,
      owner: text('owner'),
      purpose: text('purpose'),
      legal_basis: text('legal_basis'),
      dpa: text('dpa'),
      dpa_signed_on: text('dpa_signed_on'),
      region: text('region'),
      transfer_mechanism: text('transfer_mechanism'),
      retention_days: register?.retention_days === undefined ? undefined : Number(register.retention_days),
      first_seen: flow.first_seen,
      last_seen: flow.last_seen,
      calls: flow.calls,
      errors: flow.errors,
      risk: risk.get(JSON.stringify([flow.service, flow.vendor])) ?? 0,
    };
  });
  rows.sort((a, b) => a.vendor.localeCompare(b.vendor) || a.service.localeCompare(b.service) || a.route.localeCompare(b.route));
  return { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), rows, model };
}

/**
 * CSV of the rows, columns as EXPORT_COLUMNS. A list (methods, hosts, fields, pii_fields,
 * classes) is one cell with one item per line: names are shown through `visibleText`, so none
 * holds a line break of its own and the split is exact. `in_register` is `yes`/`no`; absent
 * register entries are empty cells.
 */
export function exportCsv(data: RegisterExport): string {
  const cell = (row: ExportRow, key: (typeof EXPORT_COLUMNS)[number]): string | number => {
    const value = row[key];
    if (Array.isArray(value)) return value.map(visibleText).join('\n');
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (value === undefined) return '';
    return typeof value === 'string' ? visibleText(value) : value;
  };
  return csvDocument(EXPORT_COLUMNS, data.rows.map((row) => EXPORT_COLUMNS.map((key) => cell(row, key))));
}

/** JSON: the window, the rows, and per vendor and service the register view with risks. */
export function exportJson(data: RegisterExport): unknown {
  return { from: data.from, to: data.to, columns: EXPORT_COLUMNS, rows: data.rows, vendors: data.model.vendors, services: data.model.services, integrations: data.model.integrations };
}
