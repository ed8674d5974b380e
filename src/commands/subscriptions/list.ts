import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { subscriptionColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import { validateChoice } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export const SUBSCRIPTION_STATUSES = [
  'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended',
] as const;

export interface ListOptions {
  customer?: string;
  status?: Stripe.SubscriptionListParams.Status;
  price?: string;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('list')
    .option('--customer <id>', 'only this customer\'s subscriptions (cus_...)')
    .option('--status <status>', `${SUBSCRIPTION_STATUSES.join(', ')} (default: all but canceled)`)
    .option('--price <id>', 'only subscriptions with this price (price_...)');
  addListOptions(command, { cursor: 'subscription' });
  describe(
    command,
    'List subscriptions, newest first',
    ['subscriptions list --customer cus_123', 'subscriptions list --status past_due --all --format csv', 'subscriptions list --price price_123 --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<ListFlags & { customer?: string; status?: string; price?: string }>((ctx, _args, flags) =>
      run(
        {
          customer: flags.customer === undefined ? undefined : validateId(flags.customer, 'customer', '--customer'),
          status: flags.status === undefined ? undefined : validateChoice(flags.status, SUBSCRIPTION_STATUSES, '--status'),
          price: flags.price === undefined ? undefined : validateId(flags.price, 'price', '--price'),
          page: parsePageOptions(flags, 'subscription'),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params: Stripe.SubscriptionListParams = pageParams(options.page);
  if (options.customer) params.customer = options.customer;
  if (options.status) params.status = options.status;
  if (options.price) params.price = options.price;
  await streamList(ctx, stripe.subscriptions.list(params), subscriptionColumns, options.page, { noun: 'subscriptions' });
}
