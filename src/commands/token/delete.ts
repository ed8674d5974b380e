import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { readOrUnreadable } from '../../store/errors.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface DeleteOptions {
  userId: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('delete').argument('<user-id>', 'the connection name (user_id)');
  describe(
    command,
    'Delete a stored token (it is not revoked at Stripe; see `disconnect`)',
    ['token delete acme', 'token delete acme --yes --store postgres'],
    [0, 1, 2, 3, 5],
  );
  return command.action(app.handle((ctx, [userId]) => run({ userId }, ctx)));
}

export async function run(options: DeleteOptions, ctx: Context): Promise<void> {
  const store = await ctx.tokens();
  // A record that does not decrypt can still be deleted: that is how an operator clears it.
  const found = await readOrUnreadable(() => store.get(options.userId));
  if ('value' in found && !found.value) throw new NotFoundError(`no token named ${options.userId} in profile ${store.profile}`);
  if ('unreadable' in found) ctx.io.err(`warning: ${found.unreadable.message}; the row can still be deleted`);
  await ctx.confirm(`Delete the stored token of ${options.userId} from ${store.location}?`);
  await store.delete(options.userId);
  ctx.io.err(`Deleted the token of ${options.userId} (profile ${store.profile}, ${store.kind}).`);
}
