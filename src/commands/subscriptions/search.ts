import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { subscriptionColumns } from '../../resources/columns.js';
import { addSearchOptions, pageParams, parseExpand, parseLimit, streamList, type PageOptions } from '../../resources/list.js';
import { validateQuery } from '../../resources/search.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface SearchOptions {
  query: string;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('search').argument('<query>', "Stripe search query, e.g. \"status:'active' AND metadata['plan']:'gold'\"");
  addSearchOptions(command);
  describe(
    command,
    'Search subscriptions with Stripe\'s query language',
    ["subscriptions search \"status:'active'\"", "subscriptions search \"metadata['plan']:'gold'\" --all --format jsonl"],
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
  const params = { ...pageParams(options.page), query: options.query } as Stripe.SubscriptionSearchParams;
  await streamList(ctx, stripe.subscriptions.search(params), subscriptionColumns, options.page, { noun: 'subscriptions', cursor: false });
}
