import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { settingSpec, SETTING_KEYS } from '../../config/settings.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { maskSecret } from '../../redact.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  key: string;
  reveal: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('get')
    .argument('<key>', `one of: ${SETTING_KEYS.join(', ')}`)
    .option('--reveal', 'print a secret value unmasked');
  describe(command, 'Print one setting (secrets masked unless --reveal)', ['config get api_base', 'config get api_key --reveal --yes'], [0, 2, 3]);
  return command.action(
    app.handle<{ reveal?: boolean }>((ctx, [key], flags) => run({ key, reveal: Boolean(flags.reveal) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const spec = settingSpec(options.key);
  if (!spec) throw new UsageError(`unknown setting "${options.key}"`, { hint: `use one of ${SETTING_KEYS.join(', ')}` });
  const found = ctx.config.lookup(options.key);
  if (!found) throw new NotFoundError(`${options.key} is not set in profile ${ctx.config.profile}`);
  if (spec.secret && options.reveal) await ctx.confirm(`Print ${options.key} in clear text?`);
  const value = spec.secret && !options.reveal ? maskSecret(found.value) : found.value;
  if (ctx.output.format === 'json') {
    ctx.io.out(JSON.stringify({ key: options.key, value, origin: found.origin, source: found.source }, null, 2));
  } else {
    ctx.io.out(value);
  }
}
