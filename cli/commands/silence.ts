import { terminalJson, visible } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import { addSilence, expireSilence, listSilences, type SilenceView } from '../../alerts/silence-service.js';
import { boolFlag, parseDurationMs, stringFlag, type Command } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { withStoreOrApi } from '../store-access.js';

const USAGE = `add --match k=v [--match k=~regex …] --for 2h --comment TEXT [--author NAME]
       silence list [--json]
       silence expire ID`;

function render(silences: SilenceView[]): string {
  if (silences.length === 0) return 'no silences\n';
  return (
    silences
      .map((s) => visible`${s.id}  ${s.state.padEnd(7)}  ${s.matchers.join(', ')}\n  ${s.startsAt} → ${s.endsAt}  by ${s.createdBy}: ${s.comment}`)
      .join('\n') + '\n'
  );
}

export const silenceCommand: Command = {
  name: 'silence',
  summary: 'silence alerts by label matchers for a while (add, list, expire)',
  usage: USAGE,
  allowPositionals: true,
  options: {
    ...configOption,
    match: { type: 'string', multiple: true },
    for: { type: 'string' },
    comment: { type: 'string' },
    author: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const [action, ...rest] = args.positionals;
    const config = configFromArgs(args);
    const json = boolFlag(args, 'json');
    if (action === 'add') {
      if (rest.length > 0) throw new ConfigError(`silence add: unexpected argument '${rest[0]}'\nusage: egresswatch silence ${USAGE}`);
      const matchers = (args.values['match'] as string[] | undefined) ?? [];
      const duration = stringFlag(args, 'for');
      if (!duration) throw new ConfigError('silence add: --for is required (e.g. --for 2h)');
      const durationMs = parseDurationMs(duration, '--for');
      const comment = stringFlag(args, 'comment') ?? '';
      const createdBy = stringFlag(args, 'author') ?? process.env['USER'] ?? 'egresswatch';
      const silence = await withStoreOrApi<SilenceView>(config, {
        local: (store) => addSilence(store, { matchers, durationMs, comment, createdBy }),
        api: { method: 'POST', path: '/api/silences', body: { matchers, duration, comment, createdBy } },
      });
      process.stdout.write(json ? terminalJson(silence) + '\n' : `silence ${silence.id} until ${silence.endsAt}\n`);
      return 0;
    }
    if (action === 'list') {
      const silences = await withStoreOrApi<SilenceView[]>(config, { local: (store) => listSilences(store), api: { method: 'GET', path: '/api/silences' } });
      process.stdout.write(json ? terminalJson(silences) + '\n' : render(silences));
      return 0;
    }
    if (action === 'expire') {
      const id = rest[0];
      if (!id || rest.length > 1) throw new ConfigError(`silence expire: give exactly one silence id (see egresswatch silence list)`);
      const silence = await withStoreOrApi<SilenceView>(config, {
        local: (store) => expireSilence(store, id),
        api: { method: 'POST', path: `/api/silences/${encodeURIComponent(id)}/expire` },
      });
      process.stdout.write(json ? terminalJson(silence) + '\n' : `silence ${silence.id} expired at ${silence.endsAt}\n`);
      return 0;
    }
    throw new ConfigError(`silence: ${action ? `unknown action '${action}'` : 'missing action'}; usage: egresswatch silence ${USAGE}`);
  },
};
