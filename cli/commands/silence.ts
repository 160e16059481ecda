import { terminalJson, visible } from '../../common/display-text.js';
import { ConfigError } from '../../common/errors.js';
import { closest } from '../../common/text.js';
import { addSilence, expireSilence, listSilences, markSilenced, type SilenceView } from '../../alerts/silence-service.js';
import { listAlerts } from '../../storage/alert-store.js';
import { API, type ListedAlert } from '../api-contract.js';
import { boolFlag, defineCommand, parseDurationMs, stringFlag } from '../command.js';
import { configFromArgs, configOption } from '../config-flags.js';
import { countOf } from '../count-text.js';
import { withStoreOrApi } from '../store-access.js';

const ACTIONS = ['add', 'list', 'expire'];

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

export const silenceCommand = defineCommand({
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
      if (rest.length > 0) throw new ConfigError(`silence add: unexpected argument '${rest[0]}'; matchers go in --match (e.g. silence add --match vendor=stripe --for 2h --comment "INC-42")`);
      const matchers = args.values.match ?? [];
      const duration = stringFlag(args, 'for');
      if (!duration) throw new ConfigError('silence add: --for is required (e.g. --for 2h)');
      const durationMs = parseDurationMs(duration, '--for');
      const comment = stringFlag(args, 'comment') ?? '';
      const createdBy = stringFlag(args, 'author') ?? process.env['USER'] ?? 'egresswatch';
      // Which firing alerts it holds back now: a value typo (vendor=strpe) shows as none.
      const { silence, firing } = await withStoreOrApi<{ silence: SilenceView; firing: ListedAlert[] }>(config, {
        local: async (store) => {
          const added = await addSilence(store, { matchers, durationMs, comment, createdBy });
          return { silence: added, firing: await markSilenced(store, await listAlerts(store, { status: 'firing' })) };
        },
        api: async (call) => ({
          silence: await call(API.addSilence, { body: { matchers, duration, comment, createdBy } }),
          firing: await call(API.alerts, { query: { status: 'firing' } }),
        }),
      });
      const held = firing.filter((a) => a.silencedBy?.includes(silence.id)).length;
      process.stdout.write(json ? terminalJson(silence) + '\n' : `silence ${silence.id} until ${silence.endsAt}; it matches ${held === 0 ? 'no firing alert now' : `${countOf(held, 'firing alert')} now`}\n`);
      return 0;
    }
    if (action === 'list') {
      const silences = await withStoreOrApi<SilenceView[]>(config, { local: (store) => listSilences(store), api: (call) => call(API.silences) });
      process.stdout.write(json ? terminalJson(silences) + '\n' : render(silences));
      return 0;
    }
    if (action === 'expire') {
      const id = rest[0];
      if (!id || rest.length > 1) throw new ConfigError(`silence expire: give exactly one silence id (see egresswatch silence list)`);
      const silence = await withStoreOrApi<SilenceView>(config, {
        local: (store) => expireSilence(store, id),
        api: (call) => call(API.expireSilence, { params: { id } }),
      });
      process.stdout.write(json ? terminalJson(silence) + '\n' : `silence ${silence.id} expired at ${silence.endsAt}\n`);
      return 0;
    }
    const hint = action ? closest(action, ACTIONS) : undefined;
    throw new ConfigError(`silence: ${action ? `unknown action '${action}'${hint ? ` — did you mean '${hint}'?` : ''}` : 'missing action'} (actions: ${ACTIONS.join(', ')}; egresswatch silence --help shows their flags)`);
  },
});
