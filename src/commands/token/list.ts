import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecords } from '../../io/output.js';
import { maskedRecord, TOKEN_LIST_COLUMNS } from '../../store/present.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type ListOptions = Record<string, never>;

export function define(noun: Command, app: App): Command {
  const command = noun.command('list');
  describe(
    command,
    'List the stored OAuth tokens of the profile, masked',
    ['token list', 'token list --json', 'token list --store postgres --format tsv | cut -f1,4', 'token list --fields user_id,status,expires_at'],
    [0, 1, 2, 5],
  );
  return command.action(app.handle((ctx) => run({}, ctx)));
}

export async function run(_options: ListOptions, ctx: Context): Promise<void> {
  const store = await ctx.tokens();
  const records = (await store.list()).map(maskedRecord);
  await printRecords(ctx.io, records, TOKEN_LIST_COLUMNS, ctx.output);
}
