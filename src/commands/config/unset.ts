import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { writeProfileFile } from '../../config/profiles.js';
import { settingSpec, SETTING_KEYS } from '../../config/settings.js';
import { UsageError } from '../../errors.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export function define(noun: Command, app: App): Command {
  const command = noun.command('unset').argument('<key>', `one of: ${SETTING_KEYS.join(', ')}`);
  describe(command, 'Remove a setting from the active profile', ['config unset api_key', 'config unset store --profile fleet']);
  return command.action(app.handle((ctx, [key]) => run({ key }, ctx)));
}

export async function run(options: { key: string }, ctx: Context): Promise<void> {
  if (!settingSpec(options.key)) {
    throw new UsageError(`unknown setting "${options.key}"`, { hint: `use one of ${SETTING_KEYS.join(', ')}` });
  }
  const file = ctx.config.file;
  const profile = file.profiles[ctx.config.profile];
  if (!profile || !(options.key in profile)) {
    ctx.io.err(`${options.key} was not set in profile ${ctx.config.profile}; nothing changed.`);
    return;
  }
  delete profile[options.key];
  writeProfileFile(ctx.config.paths.configFile, file);
  ctx.io.err(`Removed ${options.key} from profile ${ctx.config.profile}.`);
}
