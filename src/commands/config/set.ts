import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { writeProfileFile } from '../../config/profiles.js';
import { settingSpec, SETTING_KEYS } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import { maskSecret } from '../../redact.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface SetOptions {
  key: string;
  value: string;
  makeDefault: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('set')
    .argument('<key>', `one of: ${SETTING_KEYS.join(', ')}`)
    .argument('<value>', 'the value to store in the profile')
    .option('--default', 'also make this profile the default');
  describe(command, 'Store a setting in the active profile (config.json, mode 0600)', [
    'config set api_base http://127.0.0.1:12111',
    'config set api_key sk_test_... --profile staging',
    'config set store postgres --profile fleet --default',
  ]);
  return command.action(
    app.handle<{ default?: boolean }>((ctx, [key, value], flags) => run({ key, value, makeDefault: Boolean(flags.default) }, ctx)),
  );
}

export async function run(options: SetOptions, ctx: Context): Promise<void> {
  const spec = settingSpec(options.key);
  if (!spec) throw new UsageError(`unknown setting "${options.key}"`, { hint: `use one of ${SETTING_KEYS.join(', ')}` });
  const problem = spec.check?.(options.value);
  if (problem) {
    const shown = spec.secret ? maskSecret(options.value) : `"${options.value}"`;
    throw new UsageError(`${options.key} ${shown} ${problem}`, { hint: 'nothing was changed' });
  }
  const file = ctx.config.file;
  file.profiles[ctx.config.profile] = { ...file.profiles[ctx.config.profile], [options.key]: options.value };
  if (options.makeDefault) file.default_profile = ctx.config.profile;
  writeProfileFile(ctx.config.paths.configFile, file);
  const shown = spec.secret ? maskSecret(options.value) : options.value;
  ctx.io.err(`Set ${options.key} = ${shown} in profile ${ctx.config.profile}.`);
}
