import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { maskedRecord, TOKEN_DETAIL_COLUMNS } from '../../store/present.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ShowOptions {
  userId: string;
  reveal: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('show')
    .argument('<user-id>', 'the connection name (user_id)')
    .option('--reveal', 'print the access and refresh tokens in clear text (asks on a TTY; needs --yes without one)');
  describe(command, 'Show one stored token, masked unless --reveal', ['token show acme', 'token show acme --json', 'token show acme --reveal --yes --json'], [0, 1, 2, 3, 5]);
  return command.action(app.handle<{ reveal?: boolean }>((ctx, [userId], flags) => run({ userId, reveal: Boolean(flags.reveal) }, ctx)));
}

export async function run(options: ShowOptions, ctx: Context): Promise<void> {
  const store = await ctx.tokens();
  const record = await store.get(options.userId);
  if (!record) throw new NotFoundError(`no token named ${options.userId} in profile ${store.profile}`, { hint: 'see `atom-stripe token list`' });
  if (options.reveal) await ctx.confirm(`Print the tokens of ${options.userId} in clear text?`);
  await printRecord(ctx.io, options.reveal ? record : maskedRecord(record), TOKEN_DETAIL_COLUMNS, ctx.output);
}
