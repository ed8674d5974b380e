import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError } from '../../errors.js';
import { printRecords } from '../../io/output.js';
import type { DecryptError } from '../../store/errors.js';
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
  // One record that does not decrypt must not hide the others: list them, name it, exit 1.
  const unreadable: DecryptError[] = [];
  const records = (await store.list({ onUnreadable: (error) => unreadable.push(error) })).map(maskedRecord);
  await printRecords(ctx.io, records, TOKEN_LIST_COLUMNS, ctx.output);
  for (const error of unreadable) ctx.io.err(`warning: ${error.message}`);
  if (unreadable.length) {
    throw new OperationError(`${unreadable.length} stored record${unreadable.length === 1 ? '' : 's'} could not be decrypted (${unreadable.map((error) => error.userId).join(', ')})`, {
      hint: `check the encryption key, or delete the record with atom-stripe token delete ${unreadable[0]!.userId} --yes and connect it again`,
    });
  }
}
