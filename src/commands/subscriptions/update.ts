import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { parsePriceItem, type PriceItem } from '../../resources/subscriptions.js';
import { dropUndefined, parsePositiveInteger, requestOptions, validateChoice } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { subscriptionDetailColumns } from './get.js';

export const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'] as const;

export interface UpdateOptions {
  id: string;
  /** Swap the item's price (and optionally its quantity). */
  price?: PriceItem;
  quantity?: number;
  /** Which item to change when the subscription has several (si_...). */
  item?: string;
  cancelAtPeriodEnd?: boolean;
  prorationBehavior?: (typeof PRORATION_BEHAVIORS)[number];
  metadata?: Record<string, string>;
  expand?: string[];
}

interface UpdateFlags {
  price?: string;
  quantity?: string;
  item?: string;
  cancelAtPeriodEnd?: boolean;
  prorationBehavior?: string;
  metadata: string[];
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('update')
    .argument('<id>', 'subscription id (sub_...)')
    .option('--price <id[:qty]>', 'swap to this price (optionally with a quantity)')
    .option('--quantity <n>', 'new quantity')
    .option('--item <si_id>', 'the item to change, when the subscription has several')
    .option('--cancel-at-period-end', 'cancel when the current period ends')
    .option('--no-cancel-at-period-end', 'keep renewing (undo --cancel-at-period-end)')
    .option('--proration-behavior <behavior>', `${PRORATION_BEHAVIORS.join(', ')} (Stripe's default: create_prorations)`)
    .option('--metadata <key=value>', 'set metadata (repeatable); key= removes the key', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Change a subscription: swap its price, change the quantity, or cancel at period end',
    [
      'subscriptions update sub_123 --price price_gold',
      'subscriptions update sub_123 --quantity 5 --proration-behavior always_invoice',
      'subscriptions update sub_123 --cancel-at-period-end',
      'subscriptions update sub_123 --no-cancel-at-period-end --json',
    ],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<UpdateFlags>((ctx, [id], flags) => {
      const options: UpdateOptions = {
        id: validateId(id, 'subscription', 'ID'),
        price: flags.price === undefined ? undefined : parsePriceItem(flags.price),
        quantity: flags.quantity === undefined ? undefined : parsePositiveInteger(flags.quantity, '--quantity', { max: 1_000_000 }),
        item: flags.item === undefined ? undefined : validateItemId(flags.item),
        cancelAtPeriodEnd: flags.cancelAtPeriodEnd,
        prorationBehavior: flags.prorationBehavior === undefined ? undefined : validateChoice(flags.prorationBehavior, PRORATION_BEHAVIORS, '--proration-behavior'),
        metadata: parseMetadata(flags.metadata, { allowUnset: true }),
        expand: parseExpand(flags.expand),
      };
      if (options.price?.quantity !== undefined && options.quantity !== undefined) {
        throw new UsageError('give the quantity once: --price ID:QTY or --quantity, not both');
      }
      if (!options.price && options.quantity === undefined && options.cancelAtPeriodEnd === undefined && !options.metadata) {
        throw new UsageError('nothing to update', { hint: 'pass --price, --quantity, --cancel-at-period-end or --metadata' });
      }
      if (options.item && !options.price && options.quantity === undefined) {
        throw new UsageError('--item needs --price or --quantity');
      }
      return run(options, ctx);
    }),
  );
}

function validateItemId(value: string): string {
  if (!/^si_[A-Za-z0-9]+$/.test(value)) throw new UsageError(`--item "${value}" is not a subscription item id`, { hint: 'item ids start with si_' });
  return value;
}

export async function run(options: UpdateOptions, ctx: Context): Promise<void> {
  const params: Stripe.SubscriptionUpdateParams = dropUndefined({
    cancel_at_period_end: options.cancelAtPeriodEnd,
    proration_behavior: options.prorationBehavior,
    metadata: options.metadata,
    expand: options.expand,
  });
  if (options.price || options.quantity !== undefined) {
    // A price swap or quantity change names the item it replaces, so the subscription is read first.
    const current = await (await ctx.stripe()).subscriptions.retrieve(options.id);
    const items = current.items.data;
    const item = options.item ? items.find((candidate) => candidate.id === options.item) : items.length === 1 ? items[0] : undefined;
    if (!item) {
      throw new UsageError(
        options.item ? `${options.item} is not an item of ${options.id}` : `${options.id} has ${items.length} items; say which to change`,
        { hint: `pass --item (${items.map((candidate) => candidate.id).join(', ')})` },
      );
    }
    params.items = [dropUndefined({ id: item.id, price: options.price?.price, quantity: options.price?.quantity ?? options.quantity })];
  }
  const stripe = await ctx.stripe({ write: true });
  const subscription = await stripe.subscriptions.update(options.id, params, requestOptions(ctx));
  ctx.io.err(`Updated subscription ${subscription.id}: ${subscription.status}${subscription.cancel_at_period_end ? ', cancels at period end' : ''}.`);
  await printRecord(ctx.io, subscription, subscriptionDetailColumns, ctx.output);
}
