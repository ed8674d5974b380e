import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { formatTime, printRecord } from '../../io/output.js';
import { subscriptionColumns } from '../../resources/columns.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { subscriptionPhrase } from '../../resources/subscriptions.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { subscriptionDetailColumns } from './get.js';

export interface CancelOptions {
  id: string;
  atPeriodEnd: boolean;
  prorate: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('cancel')
    .argument('<id>', 'subscription id (sub_...)')
    .option('--at-period-end', 'keep it until the current period ends, then cancel')
    .option('--prorate', 'credit the unused time of the current period (immediate cancellation only)');
  describe(
    command,
    'Cancel a subscription now or at period end; asks first, or needs --yes',
    ['subscriptions cancel sub_123', 'subscriptions cancel sub_123 --at-period-end --yes', 'subscriptions cancel sub_123 --prorate --yes --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<{ atPeriodEnd?: boolean; prorate?: boolean }>((ctx, [id], flags) => {
      const options = { id: validateId(id, 'subscription', 'ID'), atPeriodEnd: Boolean(flags.atPeriodEnd), prorate: Boolean(flags.prorate) };
      if (options.atPeriodEnd && options.prorate) {
        throw new UsageError('--prorate applies to an immediate cancellation, not --at-period-end');
      }
      return run(options, ctx);
    }),
  );
}

export async function run(options: CancelOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `cancel subscription ${options.id}`, async () => {
    const subscription = await (await ctx.stripe()).subscriptions.retrieve(options.id, { expand: ['customer'] });
    const end = periodEnd(subscription);
    const when = options.atPeriodEnd ? `at the end of its period${end ? ` (${formatTime(end)})` : ''}` : 'now';
    return `Cancel subscription ${subscriptionPhrase(subscription)} ${when}${options.prorate ? ', crediting unused time' : ''}?`;
  });
  const stripe = await ctx.stripe({ write: true });
  let subscription: Stripe.Subscription;
  if (options.atPeriodEnd) {
    subscription = await stripe.subscriptions.update(options.id, { cancel_at_period_end: true }, requestOptions(ctx));
    const end = periodEnd(subscription);
    ctx.io.err(`Subscription ${subscription.id} will cancel at the end of its period${end ? ` (${formatTime(end)})` : ''}.`);
  } else {
    subscription = await stripe.subscriptions.cancel(options.id, options.prorate ? { prorate: true } : {}, requestOptions(ctx));
    ctx.io.err(`Canceled subscription ${subscription.id}.`);
  }
  await printRecord(ctx.io, subscription, subscriptionDetailColumns, ctx.output);
}

function periodEnd(subscription: Stripe.Subscription): number | undefined {
  const column = subscriptionColumns.find((candidate) => candidate.key === 'current_period_end');
  return column?.get?.(subscription) as number | undefined;
}
