import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { SETTINGS } from '../../config/settings.js';
import { printRecords, type Column } from '../../io/output.js';
import { maskSecret, redact } from '../../redact.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ListOptions {
  showOrigin: boolean;
}

interface SettingRow {
  key: string;
  value: string;
  origin: string;
  source: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('list').option('--show-origin', 'show where each value came from');
  describe(command, 'List every setting of the active profile, secrets masked', [
    'config list',
    'config list --show-origin',
    'config list --profile staging --json',
  ]);
  return command.action(app.handle<{ showOrigin?: boolean }>((ctx, _args, flags) => run({ showOrigin: Boolean(flags.showOrigin) }, ctx)));
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const rows: SettingRow[] = SETTINGS.map((spec) => {
    const found = ctx.config.lookup(spec.key);
    const value = found ? (spec.secret ? maskSecret(found.value) : redact(found.value)) : '';
    return { key: spec.key, value, origin: found?.origin ?? '', source: found?.source ?? '' };
  });
  const columns: Column<SettingRow>[] = [{ key: 'key' }, { key: 'value' }];
  if (options.showOrigin) columns.push({ key: 'origin' }, { key: 'source' });
  ctx.io.err(`profile: ${ctx.config.profile}`);
  await printRecords(ctx.io, rows, columns, {
    ...ctx.output,
    // JSON carries the origin only when asked, like the table.
    fields: ctx.output.fields ?? columns.map((c) => c.key),
  });
}
