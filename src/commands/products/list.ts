import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { productColumns } from '../../resources/columns.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ListOptions {
  /** true: only active; false: only archived; undefined: both. */
  active?: boolean;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('list').option('--active', 'only active products').option('--archived', 'only archived products');
  addListOptions(command, { cursor: 'product' });
  describe(command, 'List products, newest first', ['products list --active', 'products list --archived --json', 'products list --all --format csv > catalogue.csv'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<ListFlags & { active?: boolean; archived?: boolean }>((ctx, _args, flags) => {
      if (flags.active && flags.archived) throw new UsageError('--active and --archived exclude each other', { hint: 'omit both to list every product' });
      return run({ active: flags.active ? true : flags.archived ? false : undefined, page: parsePageOptions(flags, 'product') }, ctx);
    }),
  );
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params: Stripe.ProductListParams = pageParams(options.page);
  if (options.active !== undefined) params.active = options.active;
  await streamList(ctx, stripe.products.list(params), productColumns, options.page, { noun: 'products' });
}
