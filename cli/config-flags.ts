import { loadConfig, type Config } from '../common/config/index.js';
import { stringFlag, type ParsedArgs } from './command.js';

/** The `--config FILE` flag every command takes. */
export const configOption = { config: { type: 'string' as const } };

/** Loads egresswatch.yaml (or --config) with env overrides. */
export function configFromArgs(args: ParsedArgs): Config {
  return loadConfig({ file: stringFlag(args, 'config') });
}
