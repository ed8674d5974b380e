import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { priceColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ListOptions {
  product?: string;
  /** true: only active; false: only archived; undefined: both. */
  active?: boolean;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('list')
    .option('--product <id>', 'only this product\'s prices (prod_...)')
    .option('--active', 'only active prices')
    .option('--archived', 'only archived prices');
  addListOptions(command, { cursor: 'price' });
  describe(command, 'List prices, newest first', ['prices list --product prod_123', 'prices list --active --json', 'prices list --all --format csv'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<ListFlags & { product?: string; active?: boolean; archived?: boolean }>((ctx, _args, flags) => {
      if (flags.active && flags.archived) throw new UsageError('--active and --archived exclude each other', { hint: 'omit both to list every price' });
      return run(
        {
          product: flags.product === undefined ? undefined : validateId(flags.product, 'product', '--product'),
          active: flags.active ? true : flags.archived ? false : undefined,
          page: parsePageOptions(flags, 'price'),
        },
        ctx,
      );
    }),
  );
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params: Stripe.PriceListParams = pageParams(options.page);
  if (options.product) params.product = options.product;
  if (options.active !== undefined) params.active = options.active;
  await streamList(ctx, stripe.prices.list(params), priceColumns, options.page, { noun: 'prices' });
}
