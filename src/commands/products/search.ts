import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { productColumns } from '../../resources/columns.js';
import { addSearchOptions, pageParams, parseExpand, parseLimit, streamList, type PageOptions } from '../../resources/list.js';
import { validateQuery } from '../../resources/search.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface SearchOptions {
  query: string;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('search').argument('<query>', "Stripe search query, e.g. \"name~'Gold' AND active:'true'\"");
  addSearchOptions(command);
  describe(command, 'Search products with Stripe\'s query language', ["products search \"name~'Gold'\"", "products search \"active:'true'\" --all --json"], [0, 1, 2, 4, 5]);
  return command.action(
    app.handle<{ limit?: string; all?: boolean; expand?: string[] }>((ctx, [query], flags) =>
      run({ query: validateQuery(query), page: { limit: parseLimit(flags.limit), all: Boolean(flags.all), expand: parseExpand(flags.expand) } }, ctx),
    ),
  );
}

export async function run(options: SearchOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params = { ...pageParams(options.page), query: options.query } as Stripe.ProductSearchParams;
  await streamList(ctx, stripe.products.search(params), productColumns, options.page, { noun: 'products', cursor: false });
}
