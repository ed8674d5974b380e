import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { subscriptionColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  id: string;
  expand?: string[];
}

export const subscriptionDetailColumns: Column<Stripe.Subscription>[] = [
  ...subscriptionColumns,
  { key: 'cancel_at_period_end', header: 'cancel at period end' },
  { key: 'trial_end', header: 'trial end', kind: 'time' },
  { key: 'canceled_at', header: 'canceled at', kind: 'time' },
  { key: 'created', kind: 'time' },
  { key: 'metadata' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('get').argument('<id>', 'subscription id (sub_...)');
  addExpandOption(command);
  describe(command, 'Show one subscription', ['subscriptions get sub_123', 'subscriptions get sub_123 --json --expand customer --expand latest_invoice'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<{ expand?: string[] }>((ctx, [id], flags) => run({ id: validateId(id, 'subscription', 'ID'), expand: parseExpand(flags.expand) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const subscription = await stripe.subscriptions.retrieve(options.id, options.expand ? { expand: options.expand } : undefined);
  await printRecord(ctx.io, subscription, subscriptionDetailColumns, ctx.output);
}
