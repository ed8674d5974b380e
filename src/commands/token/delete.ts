import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { NotFoundError } from '../../errors.js';
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
  if (!(await store.get(options.userId))) throw new NotFoundError(`no token named ${options.userId} in profile ${store.profile}`);
  await ctx.confirm(`Delete the stored token of ${options.userId} from ${store.location}?`);
  await store.delete(options.userId);
  ctx.io.err(`Deleted the token of ${options.userId} (profile ${store.profile}, ${store.kind}).`);
}
