import { terminalJson, visible } from '../../common/display-text.js';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../common/config/index.js';
import { ConfigError } from '../../common/errors.js';
import { policyReport, type PolicyReport } from '../../alerts/policy.js';
import { selectRequestPiiFlows, type PiiFlow } from '../../storage/alert-policy-store.js';
import { boolFlag, defineCommand, parseDurationMs, stringFlag } from '../command.js';
import { piiFlowsFromSpansFile } from '../spans-file.js';
import { withStoreOrApi } from '../store-access.js';
import { API } from '../api-contract.js';
import { countOf } from '../count-text.js';

function render(report: PolicyReport, source: string): string {
  const gaps = report.registerGaps;
  if (report.ok) {
    const register = report.registerChecked ? ', and every vendor receiving personal data has a legal basis and a DPA in the register' : ' (no vendor has a register entry: legal basis and DPA not checked)';
    return `policy check passed: no PII sent to a vendor outside its allow_pii${register} (${countOf(report.flowsChecked, 'PII flow')} checked, ${source})\n`;
  }
  const lines: string[] = [];
  if (report.violations.length > 0) {
    lines.push(`policy check FAILED: ${countOf(report.violations.length, 'PII flow')} not allowed by the vendor's allow_pii (${source}):`);
    for (const v of report.violations) {
      lines.push(visible`  ${v.vendor}  ${v.route || '(no route)'}  ${v.field}  ${v.pii}   from ${v.services.join(', ')}  (${countOf(v.calls, 'call')})`);
    }
    lines.push('', "fix: stop sending the field, or if the vendor may receive it, add the class to vendors.<id>.allow_pii (or raise its max_tier) in the policy file");
  }
  if (gaps.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(`policy check FAILED: ${countOf(gaps.length, 'personal-data flow')} to a vendor the register does not cover (${source}):`);
    for (const g of gaps) lines.push(visible`  ${g.vendor}  ${g.route || '(no route)'}  ${g.field}  ${g.pii}: ${g.reason}   from ${g.services.join(', ')}  (${countOf(g.calls, 'call')})`);
    lines.push('', 'fix: record the lawful basis (vendors.<id>.legal_basis) and the DPA (vendors.<id>.dpa: signed, with dpa_signed_on, or not_needed) in the policy file');
  }
  return lines.join('\n') + '\n';
}

export const policyCommand = defineCommand({
  name: 'policy',
  summary: 'CI gate: exit 1 listing every PII class sent to a vendor that its policy does not allow',
  usage: 'check [--since 7d] [--policy egresswatch.yaml] [--spans FILE] [--json]',
  allowPositionals: true,
  options: { policy: { type: 'string' }, config: { type: 'string' }, since: { type: 'string' }, spans: { type: 'string' }, json: { type: 'boolean' } },
  async run(args) {
    const [action, ...rest] = args.positionals;
    if (action !== 'check' || rest.length > 0) throw new ConfigError(`policy: ${action ? `unknown action '${[action, ...rest].join(' ')}'` : 'missing action'}; usage: egresswatch policy check [--since 7d] [--policy FILE] [--spans FILE] [--json]`);
    // --policy is the CI-facing name of the config file; --config works too.
    const config = loadConfig({ file: stringFlag(args, 'policy') ?? stringFlag(args, 'config') });
    const spans = stringFlag(args, 'spans');
    let report: PolicyReport;
    let source: string;
    if (spans) {
      let text: string;
      try {
        text = readFileSync(spans, 'utf8');
      } catch (err) {
        throw new ConfigError(`--spans: cannot read ${spans}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const file = piiFlowsFromSpansFile(text, config, spans);
      report = policyReport(file.flows, config);
      source = `spans file ${spans}: ${countOf(file.egressCalls, 'outbound call')} of ${countOf(file.spans, 'span')}`;
    } else {
      const since = stringFlag(args, 'since') ?? '7d';
      const sinceMs = Date.now() - parseDurationMs(since, '--since');
      // Judged here, by this policy file, whoever reads the data map.
      const flows = await withStoreOrApi<PiiFlow[]>(config, {
        local: (store) => selectRequestPiiFlows(store, sinceMs),
        api: async (call) => (await call(API.policy, { query: { since } })).flows,
      });
      report = { ...policyReport(flows, config), sinceMs };
      source = `data map, last ${since}`;
    }
    process.stdout.write(boolFlag(args, 'json') ? terminalJson(report) + '\n' : render(report, source));
    return report.ok ? 0 : 1;
  },
});
