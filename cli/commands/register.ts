import { terminalJson } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import { exportCsv, exportJson, exportRows } from '../../common/register/register-export.js';
import { exportMarkdown } from '../../common/register/register-markdown.js';
import { closest } from '../../common/text.js';
import { defineCommand, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { fetchRouteFlows, windowFromArgs, windowOptions, writeOutput } from '../register-flows.js';

const FORMATS = ['csv', 'json', 'md'] as const;
const USAGE = 'export [--format csv|json|md] [--since 30d | --from T --to T] [--out FILE] [--config FILE]';

/**
 * `egresswatch register export`: the audit export, one row per (service, vendor, route) with the
 * fields and classes sent, their tier, the vendor's register entry, first/last seen and volume.
 * CSV (RFC 4180, the columns of EXPORT_COLUMNS) by default; JSON; or Markdown that reads as a
 * records-of-processing appendix. Default window 30 days: a month of flows for an audit, within
 * the default span retention.
 */
export const registerCommand = defineCommand({
  name: 'register',
  summary: 'privacy register export: flows per service, vendor and route with register entries (CSV, JSON, Markdown)',
  usage: USAGE,
  allowPositionals: true,
  options: { ...configOption, ...windowOptions, format: { type: 'string' }, out: { type: 'string' } },
  async run(args) {
    const [action, ...rest] = args.positionals;
    if (action !== 'export' || rest.length > 0) {
      const hint = action ? closest(action, ['export']) : undefined;
      throw new ConfigError(`register: ${action ? `unknown action '${[action, ...rest].join(' ')}'${hint && rest.length === 0 ? ` — did you mean '${hint}'?` : ''}` : 'missing action'}; usage: egresswatch register ${USAGE}`);
    }
    const config = configFromArgs(args);
    const format = stringFlag(args, 'format') ?? 'csv';
    if (!(FORMATS as readonly string[]).includes(format)) {
      const hint = closest(format, FORMATS);
      throw new ConfigError(`--format: unknown format '${format}'${hint ? ` — did you mean '${hint}'?` : ''} (formats: ${FORMATS.join(', ')})`);
    }
    const window = windowFromArgs(args, '30d');
    const data = exportRows(await fetchRouteFlows(config, window), config, window);
    const text = format === 'csv' ? exportCsv(data) : format === 'md' ? exportMarkdown(data) : terminalJson(exportJson(data)) + '\n';
    const services = new Set(data.rows.map((r) => r.service)).size;
    const vendors = new Set(data.rows.map((r) => r.vendor)).size;
    writeOutput(text, stringFlag(args, 'out'), `${countOf(data.rows.length, 'row')}, ${countOf(services, 'service')}, ${countOf(vendors, 'vendor')}`);
    return 0;
  },
});
