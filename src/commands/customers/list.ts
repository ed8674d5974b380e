import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { customerColumns } from '../../resources/columns.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import { validateEmail } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ListOptions {
  email?: string;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('list').option('--email <email>', 'only customers with exactly this email');
  addListOptions(command, { cursor: 'customer' });
  describe(
    command,
    'List customers, newest first',
    [
      'customers list --limit 20',
      'customers list --email jane@example.com --json',
      'customers list --created-after 2026-01-01 --created-before 2026-02-01',
      'customers list --all --format jsonl > customers.jsonl',
    ],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<ListFlags & { email?: string }>((ctx, _args, flags) =>
      run({ email: flags.email === undefined ? undefined : validateEmail(flags.email), page: parsePageOptions(flags, 'customer') }, ctx),
    ),
  );
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params: Stripe.CustomerListParams = pageParams(options.page);
  if (options.email) params.email = options.email;
  await streamList(ctx, stripe.customers.list(params), customerColumns, options.page, { noun: 'customers' });
}
