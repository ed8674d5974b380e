import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { customerColumns } from '../../resources/columns.js';
import { addSearchOptions, pageParams, parseExpand, parseLimit, streamList, type PageOptions } from '../../resources/list.js';
import { validateQuery } from '../../resources/search.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface SearchOptions {
  query: string;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('search').argument('<query>', "Stripe search query, e.g. \"email:'jane@example.com'\"");
  addSearchOptions(command);
  describe(
    command,
    'Search customers with Stripe\'s query language',
    ["customers search \"email:'jane@example.com'\"", "customers search \"name~'Jane' AND metadata['plan']:'gold'\" --all --format csv"],
    [0, 1, 2, 4, 5],
  );
  return command.action(
    app.handle<{ limit?: string; all?: boolean; expand?: string[] }>((ctx, [query], flags) =>
      run({ query: validateQuery(query), page: { limit: parseLimit(flags.limit), all: Boolean(flags.all), expand: parseExpand(flags.expand) } }, ctx),
    ),
  );
}

export async function run(options: SearchOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params = { ...pageParams(options.page), query: options.query } as Stripe.CustomerSearchParams;
  await streamList(ctx, stripe.customers.search(params), customerColumns, options.page, { noun: 'customers', cursor: false });
}
